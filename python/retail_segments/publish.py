"""Where a warehouse, its exports and its build state live, and how a build is published.

For a warehouse `shops/a.duckdb` the command keeps, beside it:

    a.duckdb      -> .a.duckdb.state/current/segments.duckdb   (what BI tools open)
    a.exports     -> .a.duckdb.state/current/exports           (what marketing tools import)
    .a.duckdb.state/
        releases/<id>/segments.duckdb, exports/, warehouse     (one folder per build)
        releases/building/                                     (the build under way)
        current   -> releases/<id>                             (the one pointer)
        previous  -> releases/<id>                             (kept for open readers)
        dbt/target, dbt/logs                                   (this warehouse's dbt state)
    .a.duckdb.lock                                             (one build at a time)

A build writes into releases/building and, once it passed, renames it to a new release
folder; publishing swaps the `current` pointer with one atomic
rename, so a reader resolving either link sees the old pair or the new pair, never a
warehouse of one build beside the exports of another. The release before it is kept, so a
reader that opened the old warehouse still finds its exports; older releases are removed.
Another warehouse in the same folder has its own links, state and exports.

A warehouse path holding '?' (which DuckDB reads as URL parameters) keeps its state in the
nearest enclosing folder without one, under a name hashed from the warehouse path.
"""

from __future__ import annotations

import glob
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


# ----------------------------------------------------------------------- dbt-duckdb plugin

try:  # the plugin base class exists only where dbt-duckdb is installed
    from dbt.adapters.duckdb.plugins import BasePlugin
except ImportError:  # pragma: no cover
    BasePlugin = object  # type: ignore[misc,assignment]


class Plugin(BasePlugin):  # type: ignore[misc]
    """dbt-duckdb plugin (profiles.yml): makes the folders a build writes into before
    DuckDB opens the file. DuckDB creates neither a database file in a folder that does not
    exist nor the folder a COPY writes to (the exports, macro export_for_activation)."""

    def update_connection_config(self, creds, config):
        path = getattr(creds, "path", None)
        if not path or path == ":memory:" or str(path).startswith("md:"):
            return
        warehouse = Path(path).expanduser()
        warehouse.resolve().parent.mkdir(parents=True, exist_ok=True)
        export_dir(warehouse).mkdir(parents=True, exist_ok=True)


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


# the folder a build writes into, renamed to releases/<id> once the build has passed
BUILDING = "building"


def building_folder(warehouse: Path) -> Path:
    """The empty folder a build of `warehouse` writes into. Its path is the same for every
    build of the warehouse (builds of one warehouse run one at a time, under its lock), so
    dbt's profile, which names the build file, does not change from build to build and dbt
    re-parses only the project files that changed (a new path would make it re-parse the
    whole project, about 3 s). A killed build's folder is cleared here and by `prune`."""
    folder = state_dir(warehouse) / "releases" / BUILDING
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    (folder / EXPORTS).mkdir()
    (folder / OWNER_FILE).write_text(str(warehouse) + "\n")
    return folder


def seal(building: Path) -> Path:
    """Rename a passed build's folder to a release named by the time (one rename, on the
    same disk: the closed build file and its exports move together)."""
    release = building.with_name(f"{time.time_ns():d}")
    os.rename(building, release)
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
    """The warehouse whose exports a link points at, as recorded in the release (None when
    it points at none)."""
    try:
        return (folder.resolve() / ".." / OWNER_FILE).read_text().strip() or None
    except OSError:
        return None


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
    except ValueError:
        return False
    return True


def _ours(link: Path, warehouse: Path) -> bool:
    """Whether `link` points into this warehouse's own state (wherever the folder has moved
    since: ownership is where the link leads, not a recorded path)."""
    return link.is_symlink() and _inside(link, state_dir(warehouse))


def check_links(warehouse: Path, exports: Path) -> None:
    """Refuse to publish over something that is not this warehouse's: an export folder
    another warehouse publishes to, a folder of files this command did not write, a
    warehouse path that is a folder or a link this command did not make. Runs before the
    build and again just before publishing."""
    if warehouse.is_dir():
        raise PublishError(f"the warehouse path is a folder: {warehouse}")
    if warehouse.is_symlink() and not _ours(warehouse, warehouse):
        raise PublishError(
            f"{warehouse} is a link to a file this command did not publish "
            f"({os.readlink(warehouse)}); give the file itself, or remove the link"
        )
    if exports == warehouse:
        raise PublishError(f"the export folder cannot be the warehouse itself: {warehouse}")
    if exports.is_symlink():
        if _ours(exports, warehouse):
            return
        owner = owner_of(exports)
        if owner is not None:
            raise PublishError(
                f"{exports} holds the exports of the warehouse {owner}; "
                "set SEGMENTS_EXPORT_DIR to another folder for this one"
            )
        if exports.exists():
            raise PublishError(f"{exports} is a link to a folder this command did not write")
    elif exports.is_dir():
        if any(exports.iterdir()):
            raise PublishError(
                f"{exports} is a folder of files that this warehouse's builds did not "
                "publish (an earlier version, or a plain `dbt build`, writes there); move it "
                "or set SEGMENTS_EXPORT_DIR"
            )
    elif exports.exists():
        raise PublishError(f"the export folder is a file: {exports}")


def _link_exports(warehouse: Path, exports: Path, current: Path) -> None:
    """The export link, made before the pointer moves (through the pointer, it shows the
    published release's exports). Created with one system call that fails if anything
    appeared at that path since the check, so two builds can never both take it."""
    if _ours(exports, warehouse) or (
        exports.is_symlink() and os.readlink(exports) == _relative_link(exports, current / EXPORTS)
    ):
        return
    check_links(warehouse, exports)  # again: the build took a while
    try:
        if exports.is_dir() and not exports.is_symlink():
            exports.rmdir()  # empty (check_links refused a folder with files)
        exports.parent.mkdir(parents=True, exist_ok=True)
        if exports.is_symlink():  # dangling, nobody's
            exports.unlink()
        exports.symlink_to(_relative_link(exports, current / EXPORTS))
    except OSError as problem:
        raise PublishError(f"cannot make the export folder {exports}: {problem}") from None


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
    """Make `release` the published build of `warehouse`. Everything that can fail comes
    first (the checks, the export link, made once); then one atomic swap of the `current`
    pointer publishes the warehouse and its exports together; the warehouse link is made
    once (an older version's plain file is replaced by it). The release before stays for
    readers that still hold it, older ones go. Raises PublishError, with nothing changed
    that a reader sees, when a check fails."""
    state = state_dir(warehouse)
    current, previous = state / "current", state / "previous"
    before = current.resolve() if current.is_symlink() else None
    _link_exports(warehouse, exports, current)
    pause("before_switch")
    _swap_link(current, release)
    pause("after_switch")
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
    # staged links of a publish killed between writing and renaming them
    for folder, name in (
        (state, "current"),
        (state, "previous"),
        (warehouse.parent, warehouse.name),
    ):
        for staged in folder.glob(f".{glob.escape(name)}.*.new"):
            staged.unlink(missing_ok=True)
    releases = state / "releases"
    if not releases.is_dir():
        return
    for release in releases.iterdir():
        if release.resolve() not in keep:
            shutil.rmtree(release, ignore_errors=True)
