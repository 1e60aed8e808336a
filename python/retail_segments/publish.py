"""Where a warehouse, its exports and its build state live, and how a build is published.

For a warehouse `shops/a.duckdb` the command keeps, beside it:

    a.duckdb      -> .a.duckdb.state/current/segments.duckdb   (what BI tools open)
    a.exports     -> .a.duckdb.state/current/exports           (what marketing tools import)
    .a.duckdb.state/
        releases/<id>/segments.duckdb, exports/, warehouse     (one folder per build)
        current   -> releases/<id>                             (the one pointer)
        previous  -> releases/<id>                             (kept for open readers)
        dbt/target, dbt/logs                                   (this warehouse's dbt state)
    .a.duckdb.lock                                             (one build at a time)

A build writes a new release folder; publishing swaps the `current` pointer with one atomic
rename, so a reader resolving either link sees the old pair or the new pair, never a
warehouse of one build beside the exports of another. The release before it is kept, so a
reader that opened the old warehouse still finds its exports; older releases are removed.
Another warehouse in the same folder has its own links, state and exports.

A warehouse path holding '?' (which DuckDB reads as URL parameters) keeps its state in the
nearest enclosing folder without one, under a name hashed from the warehouse path.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import time
from pathlib import Path

# the build file's name in a release: dbt-duckdb names the database after it ("segments"),
# and SQL uses that name unquoted, so it must be a plain identifier
BUILD_FILE_NAME = "segments.duckdb"
EXPORTS = "exports"
OWNER_FILE = "warehouse"  # in each release: the warehouse path it was published as

# test-only: a folder in which publishing pauses at each step (see `pause`)
PAUSE_ENV = "SEGMENTS_TEST_PUBLISH_PAUSE"


class PublishError(Exception):
    """A problem that stops a build before it writes anything (one line, for the user)."""


def default_export_dir(warehouse: Path) -> Path:
    """`a.exports` beside `a.duckdb` (the same rule as the macro activation_export_dir)."""
    return warehouse.with_name(f"{warehouse.stem}.exports")


def export_dir(warehouse: Path) -> Path:
    """The export folder of `warehouse`: SEGMENTS_EXPORT_DIR, else the default beside it."""
    configured = os.environ.get("SEGMENTS_EXPORT_DIR")
    if configured:
        return Path(configured).expanduser().absolute()
    return default_export_dir(warehouse)


def state_dir(warehouse: Path) -> Path:
    """`.a.duckdb.state` beside the warehouse; in the nearest folder without a '?' for a
    path that holds one (on the same disk)."""
    state = warehouse.parent / f".{warehouse.name}.state"
    if "?" not in str(state):
        return state
    key = hashlib.sha256(str(warehouse).encode()).hexdigest()[:16]
    plain = next((p for p in warehouse.parents if "?" not in str(p)), Path("/"))
    return plain / f".segments-{key}.state"


def dbt_paths(warehouse: Path) -> tuple[Path, Path]:
    """dbt's target and log folders for builds of this warehouse (kept between builds, so
    dbt re-parses only what changed; never shared with another warehouse's builds)."""
    dbt = state_dir(warehouse) / "dbt"
    return dbt / "target", dbt / "logs"


def new_release(warehouse: Path) -> Path:
    """An empty release folder for a build, named by the time it started."""
    releases = state_dir(warehouse) / "releases"
    releases.mkdir(parents=True, exist_ok=True)
    release = releases / f"{time.time_ns():d}"
    release.mkdir()
    (release / EXPORTS).mkdir()
    (release / OWNER_FILE).write_text(str(warehouse) + "\n")
    return release


def _relative_link(link: Path, to: Path) -> str:
    return os.path.relpath(to, link.parent)


def _swap_link(link: Path, to: Path) -> None:
    """Point `link` at `to` with one atomic rename (a new link written beside it first)."""
    staged = link.with_name(f".{link.name}.{os.getpid()}.new")
    staged.unlink(missing_ok=True)
    staged.symlink_to(_relative_link(link, to))
    os.replace(staged, link)


def owner_of(folder: Path) -> str | None:
    """The warehouse whose exports a link points at (None when it points at none)."""
    try:
        return (folder.resolve() / ".." / OWNER_FILE).read_text().strip() or None
    except OSError:
        return None


def check_links(warehouse: Path, exports: Path) -> None:
    """Refuse, before building, to publish over something that is not this warehouse's:
    an export folder another warehouse publishes to, a folder of files this command did
    not write, or a warehouse path that is a folder."""
    if warehouse.is_dir():
        raise PublishError(f"the warehouse path is a folder: {warehouse}")
    if exports == warehouse:
        raise PublishError(f"the export folder cannot be the warehouse itself: {warehouse}")
    ours = state_dir(warehouse) / "current" / EXPORTS
    if exports.is_symlink():
        owner = owner_of(exports)
        if owner is not None and owner != str(warehouse):
            raise PublishError(
                f"{exports} holds the exports of the warehouse {owner}; "
                "set SEGMENTS_EXPORT_DIR to another folder for this one"
            )
        if owner is None and exports.exists() and exports.resolve() != ours.resolve():
            raise PublishError(f"{exports} is a link to a folder this command did not write")
    elif exports.is_dir():
        if any(exports.iterdir()):
            raise PublishError(
                f"{exports} is a folder of files that `segments build` did not publish "
                "(a plain `dbt build` writes there); move it or set SEGMENTS_EXPORT_DIR"
            )
    elif exports.exists():
        raise PublishError(f"the export folder is a file: {exports}")


def pause(step: str) -> None:
    """Test-only: with SEGMENTS_TEST_PUBLISH_PAUSE naming a folder, announce `step` there
    (`<step>.paused`) and wait until the test writes `<step>.go`."""
    folder = os.environ.get(PAUSE_ENV)
    if not folder:
        return
    (Path(folder) / f"{step}.paused").touch()
    go = Path(folder) / f"{step}.go"
    deadline = time.monotonic() + 300
    while not go.exists() and time.monotonic() < deadline:
        time.sleep(0.01)


def publish(warehouse: Path, release: Path, exports: Path) -> None:
    """Make `release` the published build of `warehouse`: one atomic swap of the `current`
    pointer; the visible links are created once (an old-layout file is replaced by its
    link); the release before stays for readers that still hold it, older ones go."""
    state = state_dir(warehouse)
    current, previous = state / "current", state / "previous"
    before = current.resolve() if current.is_symlink() else None
    pause("before_switch")
    _swap_link(current, release)
    pause("after_switch")
    # the exports link first: a reader who finds the warehouse also finds its exports
    if not (exports.is_symlink() and owner_of(exports) == str(warehouse)):
        if exports.is_dir() and not exports.is_symlink():
            exports.rmdir()  # empty (check_links refused a folder with files)
        exports.parent.mkdir(parents=True, exist_ok=True)
        _swap_link(exports, current / EXPORTS)
    published = current / BUILD_FILE_NAME
    if not (warehouse.is_symlink() and warehouse.resolve() == published.resolve()):
        warehouse.with_name(warehouse.name + ".wal").unlink(missing_ok=True)
        _swap_link(warehouse, published)
    if before is not None and before != release.resolve():
        _swap_link(previous, before)
    prune(warehouse)


def prune(warehouse: Path) -> None:
    """Remove every release but the current and the previous one: the builds that were
    replaced before those, and what a killed build left."""
    state = state_dir(warehouse)
    keep = {
        link.resolve()
        for link in (state / "current", state / "previous")
        if link.is_symlink() and link.exists()
    }
    releases = state / "releases"
    if not releases.is_dir():
        return
    for release in releases.iterdir():
        if release.resolve() not in keep:
            shutil.rmtree(release, ignore_errors=True)
