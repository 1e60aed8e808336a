"""The modules split by the layout change keep their old import paths for one release
(CHANGELOG.md): each warns, and every name that was public in it is still there and is the
same object as in the module that now holds it."""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
import warnings

import pytest
from conftest import PROJECT

# the commit before the split, where the old modules were whole
BEFORE_SPLIT = "6377a50"


def _public_names(module: str) -> list[str]:
    source = subprocess.run(
        ["git", "show", f"{BEFORE_SPLIT}:python/retail_segments/{module}.py"],
        capture_output=True,
        text=True,
        cwd=PROJECT,
    )
    if source.returncode != 0:
        pytest.skip(f"git history without {BEFORE_SPLIT} (a shallow clone)")
    names = []
    for node in ast.parse(source.stdout).body:
        if isinstance(node, ast.FunctionDef | ast.ClassDef):
            names.append(node.name)
        elif isinstance(node, ast.Assign):
            names += [target.id for target in node.targets if isinstance(target, ast.Name)]
    return [name for name in names if not name.startswith("_")]


def _fresh_import(module: str):
    sys.modules.pop(f"retail_segments.{module}", None)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        imported = importlib.import_module(f"retail_segments.{module}")
    assert any(issubclass(w.category, DeprecationWarning) for w in caught)
    return imported


@pytest.mark.parametrize(
    "module, new_modules",
    [
        # Column was raw_schema's before the split too
        ("raw_loader", ["raw", "raw_schema"]),
        ("interests", ["product_categories", "interest_segments"]),
    ],
)
def test_an_old_module_still_gives_every_name_it_had(module, new_modules):
    shim = _fresh_import(module)
    names = _public_names(module)
    assert len(names) > 20
    assert [name for name in names if not hasattr(shim, name)] == []
    # each function and class is the one its new module defines, not a copy
    for name in names:
        value = getattr(shim, name)
        if callable(value) and getattr(value, "__name__", None) == name:
            assert value.__module__.split(".")[1] in new_modules
            assert getattr(importlib.import_module(value.__module__), name) is value


def test_a_profile_naming_the_old_plugin_module_loads_the_same_plugin():
    from retail_segments.raw.plugin import Plugin

    assert _fresh_import("raw_loader").Plugin is Plugin
