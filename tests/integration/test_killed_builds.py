"""A `segments build` killed at any moment (SIGKILL, OOM killer, power cut)
leaves the published warehouse and its exports as they were, and the next build succeeds
without manual cleanup.

The test kills whole `segments build`s (the process group, so workers they started die
too) when a given progress line appears on stdout, and checks the published file, its
exports, the lock and the folder after each kill. The raw input is small (300 customers), so
a build takes seconds, not the ~40 s of the embedded 4,000-customer default.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb
import pytest
from conftest import build_warehouse
from retail_segments import cli, publish, synthetic

# what a published warehouse keeps beside it: the lock, its state (releases, the pointer,
# dbt's state) and the two links
PUBLISHED_NAMES = [
    ".segments.duckdb.lock",
    ".segments.duckdb.state",
    "segments.duckdb",
    "segments.exports",
]


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _mart_counts(db: Path) -> dict[str, int]:
    with duckdb.connect(str(db), read_only=True) as con:
        tables = [
            name
            for (name,) in con.sql(
                "select table_name from duckdb_tables() where schema_name = 'marts'"
            ).fetchall()
        ]
        return {
            name: con.sql(f"select count(*) from marts.{name}").fetchall()[0][0] for name in tables
        }


def _export_counts(exports: Path) -> dict[str, int]:
    con = duckdb.connect()
    return {
        path.name: con.sql(f"select count(*) from '{path}'").fetchall()[0][0]
        for path in sorted(exports.iterdir())
    }


def _exports(db: Path) -> Path:
    return publish.default_export_dir(db)


def _unpublished_releases(db: Path) -> list[Path]:
    """Release folders that are neither the published build nor the one before it."""
    state = publish.state_dir(db)
    keep = {(state / link).resolve() for link in ("current", "previous")}
    return sorted(p for p in (state / "releases").iterdir() if p.resolve() not in keep)


def _pair_consistent(db: Path) -> bool:
    """The warehouse and the exports beside it are one build's: the same customers."""
    customers = {c for (c,) in _rows(db, "select customer_id from marts.customer_segments")}
    exported = duckdb.connect().sql(
        f"select customer_id from '{_exports(db) / 'customer_segments.parquet'}'"
    )
    return customers == {c for (c,) in exported.fetchall()}


def _rows(db: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.sql(sql).fetchall()


def _snapshot(db: Path) -> dict:
    exports = _exports(db)
    return {
        "inode": db.stat().st_ino,
        "digest": _digest(db),
        "marts": _mart_counts(db),
        "exports": {p.name: _digest(p) for p in sorted(exports.iterdir())},
        "export_rows": _export_counts(exports),
    }


def _group_members(pgid: int) -> list[int]:
    """Live (not zombie) processes in process group `pgid`."""
    members = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[0] != "Z" and int(fields[2]) == pgid:
            members.append(int(stat.parent.name))
    return members


def _build_env(extra: dict | None = None) -> dict:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("RAW_INVOICES", "SEGMENTS_DB", "SEGMENTS_BUILD_DB", "SEGMENTS_TEMP_DIR")
    }
    env.update(PYTHONUNBUFFERED="1", DBT_USE_COLORS="false", **(extra or {}))
    return env


def _opened_by(pgid: int, path: Path) -> bool:
    """Whether a process of group `pgid` has `path` open."""
    for pid in _group_members(pgid):
        for fd in Path(f"/proc/{pid}/fd").glob("*"):
            try:
                if Path(os.readlink(fd)) == path.resolve():
                    return True
            except OSError:
                continue
    return False


def kill_build(
    db: Path,
    raw: Path,
    at: re.Pattern,
    occurrence: int = 1,
    after: float = 0.0,
    until=None,
    env: dict | None = None,
) -> dict:
    """Start `segments build` and SIGKILL its process group at the `occurrence`-th stdout
    line matching `at`: `after` seconds later, or as soon as `until(pgid)` holds. Returns
    what it printed and how many processes the group had when it was killed."""
    build = subprocess.Popen(
        [sys.executable, "-m", "retail_segments.cli", "build", "--db", str(db), "--raw", str(raw)],
        cwd=db.parent,
        env=_build_env(env),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # its own process group: dbt, DuckDB and loky workers
    )
    watchdog = threading.Timer(600, os.killpg, (build.pid, signal.SIGKILL))
    watchdog.start()
    lines: list[str] = []
    members: list[int] = []
    seen = 0
    try:
        for line in build.stdout:
            lines.append(line.rstrip("\n"))
            if at.search(line):
                seen += 1
            if seen == occurrence:
                time.sleep(after)
                deadline = time.monotonic() + 30
                while until is not None and not until(build.pid):
                    assert time.monotonic() < deadline, "the moment to kill never came"
                    time.sleep(0.002)
                members = _group_members(build.pid)
                os.killpg(build.pid, signal.SIGKILL)
                break
        returncode = build.wait(timeout=60)
    finally:
        watchdog.cancel()
        build.stdout.close()
    assert seen == occurrence, f"never saw {at.pattern!r}:\n" + "\n".join(lines[-40:])
    assert returncode == -signal.SIGKILL, "\n".join(lines[-40:])
    deadline = time.monotonic() + 10
    while _group_members(build.pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _group_members(build.pid) == []  # nothing of the killed build keeps running
    left = [str(p.relative_to(db.parent)) for p in _unpublished_releases(db)]
    print(f"killed at {lines[-1].strip()!r} ({len(members)} processes); left: {left}")
    return {"lines": lines, "processes": len(members)}


def _duckdb_tables(leftovers: list[Path], tmp: Path) -> list[str] | None:
    """The tables committed in the DuckDB database file among what a killed build left
    (read from a copy, with its write-ahead log); None when it left no database file."""
    files = [q for p in leftovers for q in ([p] if p.is_file() else sorted(p.rglob("*")))]
    for path in files:
        if not path.is_file():
            continue
        with open(path, "rb") as handle:
            if handle.read(12)[8:] != b"DUCK":
                continue
        tmp.mkdir()
        for part in (path, path.with_name(path.name + ".wal")):
            if part.exists():
                shutil.copy(part, tmp / part.name)
        with duckdb.connect(str(tmp / path.name), read_only=True) as con:
            return [
                f"{schema}.{name}"
                for schema, name in con.sql(
                    "select schema_name, table_name from duckdb_tables()"
                ).fetchall()
            ]
    return None


@pytest.fixture(scope="module")
def small_raw(tmp_path_factory) -> Path:
    raw = tmp_path_factory.mktemp("killed_raw") / "raw.parquet"
    synthetic.generate(raw, customers=300, seed=1)
    return raw


@pytest.fixture(scope="module")
def loading_raw(tmp_path_factory) -> Path:
    """A file large enough that loading it keeps it open for a while (the embedded
    default's size): the small one is read in a few milliseconds, a window a poll of the
    build's open files misses on a busy machine."""
    raw = tmp_path_factory.mktemp("killed_loading_raw") / "raw.parquet"
    synthetic.generate(raw, customers=synthetic.DEFAULT_CUSTOMERS, seed=1)
    return raw


def _folder(db: Path) -> list[str]:
    return sorted(p.name for p in db.parent.iterdir())


def _assert_previous_build_still_published(db: Path, before: dict) -> None:
    assert db.stat().st_ino == before["inode"]  # never replaced
    assert _digest(db) == before["digest"]  # nor written to
    assert _mart_counts(db) == before["marts"]  # opens read-only, whole
    exports = _exports(db)
    assert {p.name: _digest(p) for p in sorted(exports.iterdir())} == before["exports"]


def _assert_lock_free(db: Path) -> None:
    """The flock of a dead process is gone: the next build can take the lock at once."""
    held = cli._lock_build(db)
    assert held is not None
    held.close()


def test_a_build_killed_at_any_stage_changes_nothing_published(small_raw, loading_raw, tmp_path):
    """Builds killed one after another, each at a later stage, each starting over what the
    one before it left: loading the source, cleaning SQL, Python models (with their loky
    workers), data tests, publishing. The published warehouse and its exports stay the
    previous build's throughout, the lock is free after every kill, and the last build
    succeeds without any cleanup by hand and leaves nothing behind."""
    db = tmp_path / "warehouse" / "segments.duckdb"
    db.parent.mkdir()
    build_warehouse(db, "--raw", str(small_raw))
    before = _snapshot(db)
    assert _folder(db) == PUBLISHED_NAMES
    # from the Python models on, DuckDB spills into SEGMENTS_TEMP_DIR, shared with others
    temp_dir = tmp_path / "temp"
    temp_dir.mkdir()
    (temp_dir / "someone_else.tmp").write_text("not ours")
    with_temp_dir = {"SEGMENTS_TEMP_DIR": str(temp_dir)}

    # loading the source: killed once the loader has the raw file open ...
    killed = kill_build(
        db,
        loading_raw,
        re.compile(r"START sql view model staging\.stg_online_retail__invoice_lines"),
        until=lambda pgid: _opened_by(pgid, loading_raw),
    )
    _assert_previous_build_still_published(db, before)
    _assert_lock_free(db)
    private = _unpublished_releases(db)
    assert private  # its release folder (build file and write-ahead log) stays behind
    # ... before the raw table was committed to the build file
    tables = _duckdb_tables(private, tmp_path / "killed_build")
    assert "raw.invoice_lines" not in (tables or [])

    # cleaning SQL
    killed = kill_build(
        db,
        small_raw,
        re.compile(r"START sql table model intermediate\.int_cancellations__allocated"),
    )
    assert not any("START python" in line for line in killed["lines"])
    _assert_previous_build_still_published(db, before)
    _assert_lock_free(db)

    # a Python model running in loky worker processes, which die with the build
    killed = kill_build(
        db,
        small_raw,
        re.compile(r"START python table model intermediate\.int_cluster_candidates"),
        until=lambda pgid: len(_group_members(pgid)) > 2,
        env=with_temp_dir,
    )
    assert killed["processes"] > 2
    _assert_previous_build_still_published(db, before)
    _assert_lock_free(db)

    # data tests: the 50th
    killed = kill_build(db, small_raw, re.compile(r"START test "), occurrence=50, env=with_temp_dir)
    assert not any("Completed successfully" in line for line in killed["lines"])
    _assert_previous_build_still_published(db, before)
    _assert_lock_free(db)

    # publishing: killed as dbt reports success, around the swap of the pointer, on other
    # input (other customers), so a warehouse beside another build's exports would show;
    # test_two_shops.py stops a publish between its steps deterministically
    other_raw, _ = synthetic.generate(tmp_path / "other.parquet", customers=280, seed=2)
    killed = kill_build(db, other_raw, re.compile(r"Completed successfully"), env=with_temp_dir)
    print("published file replaced:", db.stat().st_ino != before["inode"])
    if db.stat().st_ino == before["inode"]:
        _assert_previous_build_still_published(db, before)
        assert _export_counts(_exports(db)) == before["export_rows"]
    else:  # the kill came after the swap: the new build, whole
        assert _mart_counts(db) != before["marts"]
    assert _pair_consistent(db)
    _assert_lock_free(db)

    # what DuckDB leaves in a spill folder when its process dies
    spill = cli._spill_dir(db, str(temp_dir))
    spill.mkdir(exist_ok=True)
    (spill / "duckdb_temp_4242_0_storage_DEFAULT-0.tmp").write_bytes(b"\0" * 4096)
    # a killed build's release folder, unless the kill came after the whole publish
    print("left by the kills:", _unpublished_releases(db))

    # the next build just works, and clears all of it
    result = subprocess.run(
        [sys.executable, "-m", "retail_segments.cli", "build", "--db", str(db)]
        + ["--raw", str(small_raw)],
        cwd=db.parent,
        env=_build_env(with_temp_dir),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert _folder(db) == PUBLISHED_NAMES
    assert _unpublished_releases(db) == []
    assert sorted(p.name for p in temp_dir.iterdir()) == ["someone_else.tmp"]
    assert _mart_counts(db) == before["marts"]
    assert _export_counts(_exports(db)) == before["export_rows"]
