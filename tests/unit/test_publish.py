"""Publishing a rebuilt warehouse is exactly one rename that a reader can see: the `current`
pointer. The warehouse link and the export link were made by the first build and lead
through that pointer, so a reader resolving either one sees the old pair or the new pair.
Real folders, links and renames (retail_segments.publish); the system calls are recorded as
they happen, not replaced."""

from __future__ import annotations

import os
from pathlib import Path

from retail_segments import publish


def _build(warehouse: Path, content: str) -> Path:
    """A passed build as `segments build` leaves it: its folder sealed as a release."""
    building = publish.building_folder(warehouse)
    (building / publish.BUILD_FILE_NAME).write_text(content)
    (building / publish.EXPORTS / "campaign_contacts.csv").write_text(content)
    return publish.seal(building)


def _recording(monkeypatch) -> list[tuple[str, str]]:
    """Every call that makes, moves or removes a path, as (call, path changed)."""
    calls: list[tuple[str, str]] = []

    def record(name, changed):
        original = getattr(os, name)

        def call(*args, **kwargs):
            calls.append((name, str(Path(args[changed]).absolute())))
            return original(*args, **kwargs)

        monkeypatch.setattr(os, name, call)

    for name, changed in (("replace", 1), ("rename", 1), ("symlink", 1), ("unlink", 0)):
        record(name, changed)
    monkeypatch.setattr(Path, "symlink_to", lambda self, to: os.symlink(to, self))
    monkeypatch.setattr(Path, "unlink", lambda self, missing_ok=False: _unlink(self, missing_ok))
    return calls


def _unlink(path: Path, missing_ok: bool) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        if not missing_ok:
            raise


def test_a_rebuild_is_published_by_one_rename_of_the_pointer(tmp_path, monkeypatch):
    warehouse = tmp_path / "shop.duckdb"
    exports = publish.default_export_dir(warehouse)
    publish.publish(warehouse, _build(warehouse, "first"), exports)
    links_before = {link: os.readlink(link) for link in (warehouse, exports)}
    assert warehouse.read_text() == (exports / "campaign_contacts.csv").read_text() == "first"

    release = _build(warehouse, "second")
    calls = _recording(monkeypatch)
    publish.publish(warehouse, release, exports)
    monkeypatch.undo()

    current = publish.state_dir(warehouse) / "current"
    seen_by_readers = {str(path.absolute()) for path in (warehouse, exports, current)}
    visible = [call for call in calls if call[1] in seen_by_readers]
    assert visible == [("replace", str(current.absolute()))], calls
    # the links a reader opens are the same links, and now lead to the new pair
    assert {link: os.readlink(link) for link in (warehouse, exports)} == links_before
    assert warehouse.read_text() == (exports / "campaign_contacts.csv").read_text() == "second"
    # the release before is kept for readers that still hold it
    assert (publish.state_dir(warehouse) / "previous").resolve().name != release.name
