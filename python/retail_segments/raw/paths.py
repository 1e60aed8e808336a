"""Which files to read, in which order and under which names: the paths the user named
(var raw_invoices or RAW_INVOICES), folders read in natural name order, and the project's
synthetic default data when none is named."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

from .. import synthetic
from .errors import RawInputError

SUPPORTED_EXTENSIONS = (".parquet", ".csv", ".xlsx")


def raw_path_list(configured) -> list[Path]:
    """The paths the user named: the var (a path, or a list of paths) else RAW_INVOICES
    (one path a line)."""
    if isinstance(configured, str) and configured.strip().startswith(("[", '"')):
        try:  # the var as the source's meta renders it (JSON); else a path as it is
            configured = json.loads(configured)
        except json.JSONDecodeError:
            pass
    if isinstance(configured, (list, tuple)):
        values = [str(value) for value in configured]
    else:
        values = str(configured or "").strip().splitlines()
        if not [v for v in values if v.strip()]:
            values = os.environ.get("RAW_INVOICES", "").strip().splitlines()
    return [Path(v.strip()).expanduser().resolve() for v in values if v.strip()]


def raw_files(paths: list[Path]) -> list[Path]:
    """The files to read, in order: each path named, a folder as every .csv, .parquet and
    .xlsx file in it, in natural name order (numbers by value: part_2 before part_10; not
    its subfolders; hidden files skipped)."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            found = sorted(
                (
                    entry
                    for entry in path.iterdir()
                    if entry.is_file()
                    and not entry.name.startswith(".")
                    and entry.suffix.lower() in SUPPORTED_EXTENSIONS
                ),
                key=_natural_key,
            )
            if not found:
                raise RawInputError(
                    f"{path.name}: the folder holds no {', '.join(SUPPORTED_EXTENSIONS)} file"
                )
            files.extend(found)
        else:
            files.append(path)
    if len(set(files)) != len(files):
        twice = next(f for f in files if files.count(f) > 1)
        raise RawInputError(f"{twice.name}: the file is named twice")
    return files


def _natural_key(path: Path) -> list:
    """Names in natural order: orders_export_2.csv before orders_export_10.csv."""
    return [int(part) if part.isdigit() else part.lower() for part in re.split(r"(\d+)", path.name)]


def file_labels(files: list[Path]) -> list[str]:
    """How the lines name their file: its name, or its whole path where two files in
    different folders share a name."""
    names = [f.name for f in files]
    return [f.name if names.count(f.name) == 1 else str(f) for f in files]


def default_synthetic_path(warehouse_path: str | None, customers: int, seed: int) -> Path:
    base = os.environ.get("SEGMENTS_DATA_DIR")
    if base:
        folder = Path(base)
    elif warehouse_path and warehouse_path != ":memory:":
        # beside the warehouse's name, not inside the release its link points to
        folder = Path(warehouse_path).absolute().parent.resolve() / "synthetic"
    else:
        folder = Path.cwd() / "synthetic"
    name = f"online_retail_synthetic_v{synthetic.GENERATOR_VERSION}_c{customers}_s{seed}.parquet"
    return folder / name


def ensure_synthetic(path: Path, customers: int, seed: int) -> Path:
    """Generate the default data once; later builds reuse the file (same seed, same bytes)."""
    beside = (synthetic.truth_path_for(path), synthetic.product_themes_path_for(path))
    if not path.exists() or not all(p.exists() for p in beside):
        synthetic.generate(path, customers=customers, seed=seed)
    return path
