"""The stamp of a check: `segments build` checks the raw files before dbt starts, and the
dbt plugin does not check the same files with the same options a second time."""

from __future__ import annotations

import json
from pathlib import Path

from .options import ReadOptions

# `segments build` checks the raw files before dbt starts; it leaves here the stamp of what
# it checked, so that the dbt-duckdb plugin, loading the same files with the same options
# in the same process, does not check every value a second time (5 s at 100x the sample)
CHECKED_STAMP_ENV = "SEGMENTS_RAW_CHECKED"


def checked_stamp(files: list[Path], options: ReadOptions | None) -> str | None:
    """What a check vouches for: every file by path, device and inode, size, modification
    and status-change times (taken before the check reads it: a file written, replaced or
    restored with its old modification time since gets another stamp; the status-change
    time cannot be set back) and the options it was read with. None for a file that
    cannot be read (the check says why)."""
    try:
        stats = [(str(path), path.stat()) for path in files]
    except OSError:
        return None
    return json.dumps(
        {
            "files": [
                [name, s.st_dev, s.st_ino, s.st_size, s.st_mtime_ns, s.st_ctime_ns]
                for name, s in stats
            ],
            "options": repr(options or ReadOptions()),
        }
    )
