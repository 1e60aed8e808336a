"""Settings of the dbt Python models, read from their `config.meta`, and where the project is."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path


def from_meta(cls, meta):
    """An instance of the settings dataclass `cls`, each field from the model's `meta` (a
    mapping, or its `get`) when it sets it (cast to the default's type), else its default:
    the dataclass holds each knob's one default, dbt meta and vars override it.

    A dbt Python model passes `dbt.config.get("meta")`, written out like that: dbt hands a
    Python model only the config keys its parser sees called with a literal name, so the
    whole meta is asked for by name (`dbt.config.meta_get` handed on as a function would
    see no key, and every override would be dropped without a word)."""
    meta_get = meta_getter(meta)
    values = {}
    for field in dataclasses.fields(cls):
        value = meta_get(field.name)
        # unset, or a var left empty in dbt_project.yml: the dataclass default
        if value is not None and value != "":
            kind = type(field.default)
            values[field.name] = tuple(value) if kind is tuple else kind(value)
    return cls(**values)


def meta_getter(meta):
    """`get` of a model's meta given as a mapping, its `get`, or None (no meta)."""
    if meta is None:
        return {}.get
    return meta.get if hasattr(meta, "get") else meta


def project_dir() -> Path:
    """The dbt project this package belongs to (the folder holding dbt_project.yml)."""
    configured = os.environ.get("SEGMENTS_PROJECT_DIR")
    if configured:
        return Path(configured).resolve()
    for parent in Path(__file__).resolve().parents:
        if (parent / "dbt_project.yml").exists():
            return parent
    raise SystemExit(
        "error: cannot find the dbt project (dbt_project.yml); set SEGMENTS_PROJECT_DIR"
    )
