"""Two shops on one machine, and the warehouse and its exports published as one unit.

Two `segments build`s started together into two warehouses in one folder, on different
inputs: each warehouse's exports hold exactly its own customers, each build's dbt run
results describe its own run, and a third build of the first warehouse, stopped at each
step of its publish, shows readers the old pair or the new pair and never a mix, and leaves
the second shop's exports untouched. The inputs are small generated files (a few hundred
customers), so each build takes seconds.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest
from conftest import run_segments
from retail_segments import publish, synthetic


def _customers(db: Path) -> set[str]:
    with duckdb.connect(str(db), read_only=True) as con:
        return {c for (c,) in con.sql("select customer_id from marts.customer_segments").fetchall()}


def _exported(exports: Path) -> set[str]:
    con = duckdb.connect()
    parquet = con.sql(f"select customer_id from '{exports / 'customer_segments.parquet'}'")
    csv = con.sql(
        f"select customer_id from read_csv('{exports / 'customer_segments.csv'}', "
        "all_varchar = true)"
    )
    ids = {c for (c,) in parquet.fetchall()}
    assert ids == {c for (c,) in csv.fetchall()}
    return ids


def _digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def _start(db: Path, raw: Path, env: dict | None = None) -> subprocess.Popen:
    """`segments build` in the background, its output in a file beside the warehouse (a
    pipe nobody reads while the test waits would fill and stall it)."""
    full_env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("RAW_INVOICES", "SEGMENTS_DB", "SEGMENTS_BUILD_DB", "SEGMENTS_EXPORT_DIR")
    }
    full_env.update(env or {})
    log = db.parent.parent / f"{db.name}.{time.time_ns()}.out"
    with open(log, "w") as out:
        build = subprocess.Popen(
            [sys.executable, "-m", "retail_segments.cli", "build"]
            + ["--db", str(db), "--raw", str(raw)],
            cwd=db.parent,
            env=full_env,
            stdout=out,
            stderr=subprocess.STDOUT,
            text=True,
        )
    build.log = log
    return build


def _output(build: subprocess.Popen) -> str:
    return build.log.read_text()


def _finish(build: subprocess.Popen) -> str:
    build.wait(timeout=900)
    out = _output(build)
    assert build.returncode == 0, out[-4000:]
    return out


@pytest.fixture(scope="module")
def raws(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("two_shops_raw")
    sizes = {"a": (300, 1), "b": (400, 2), "a2": (250, 3)}
    return {
        name: synthetic.generate(folder / f"{name}.parquet", customers=n, seed=seed)[0]
        for name, (n, seed) in sizes.items()
    }


def test_two_shops_built_together_keep_their_own_exports_and_state(raws, tmp_path):
    shops = tmp_path / "shops"
    shops.mkdir()
    a, b = shops / "a.duckdb", shops / "b.duckdb"
    started = [_start(a, raws["a"]), _start(b, raws["b"])]  # side by side
    outputs = [_finish(build) for build in started]
    assert outputs[0].rstrip().endswith(f"exports for marketing tools in {shops / 'a.exports'}")
    assert outputs[1].rstrip().endswith(f"exports for marketing tools in {shops / 'b.exports'}")

    # each warehouse's exports hold exactly its own customers, and the shops differ
    customers_a, customers_b = _customers(a), _customers(b)
    assert customers_a != customers_b
    assert _exported(shops / "a.exports") == customers_a
    assert _exported(shops / "b.exports") == customers_b

    # each build's run results describe its own run (its own target and log folders, every
    # node passed), and its log holds its own invocation and not the other's
    invocations, logs = {}, {}
    for db in (a, b):
        target, log_path = publish.dbt_paths(db)
        run = json.loads((target / "run_results.json").read_text())
        assert run["args"]["target_path"] == str(target)
        assert run["args"]["log_path"] == str(log_path)
        assert len(run["results"]) > 100
        assert {r["status"] for r in run["results"]} == {"success", "pass", "no-op"}
        invocations[db.name] = run["metadata"]["invocation_id"]
        logs[db.name] = (log_path / "dbt.log").read_text()
    assert invocations["a.duckdb"] != invocations["b.duckdb"]
    assert invocations["a.duckdb"] in logs["a.duckdb"]
    assert invocations["b.duckdb"] not in logs["a.duckdb"]
    assert invocations["a.duckdb"] not in logs["b.duckdb"]
    assert not (shops / "target").exists() and not (shops / "exports").exists()

    # another warehouse may not publish into shop B's export folder: one line, nothing built
    refused = run_segments(
        "build",
        "--db",
        str(shops / "c.duckdb"),
        "--raw",
        str(raws["a2"]),
        cwd=shops,
        env={"SEGMENTS_EXPORT_DIR": str(shops / "b.exports")},
    )
    assert refused.returncode == 2
    assert refused.stderr.strip() == (
        f"error: {shops / 'b.exports'} holds the exports of the warehouse {b}; "
        "set SEGMENTS_EXPORT_DIR to another folder for this one"
    )
    assert not (shops / "c.duckdb").exists()

    # a third build, of shop A on new input, stopped at each publish step: readers see
    # the old pair, then the new pair, never a warehouse beside another build's exports
    b_exports = _digests(shops / "b.exports")
    pause = tmp_path / "pause"
    pause.mkdir()
    rebuild = _start(a, raws["a2"], env={publish.PAUSE_ENV: str(pause)})
    held = duckdb.connect(str(a), read_only=True)  # a reader of the old build, kept open
    try:
        seen = {}
        for step in ("before_switch", "after_switch"):
            deadline = time.monotonic() + 600
            while not (pause / f"{step}.paused").exists():
                assert rebuild.poll() is None, _output(rebuild)[-4000:]
                assert time.monotonic() < deadline, f"never reached {step}"
                time.sleep(0.05)
            in_warehouse, in_exports = _customers(a), _exported(shops / "a.exports")
            assert in_warehouse == in_exports  # one build's pair
            seen[step] = in_warehouse
            (pause / f"{step}.go").touch()
        _finish(rebuild)
        new_customers = _customers(a)
        assert seen["before_switch"] == customers_a  # the old pair until the swap
        assert seen["after_switch"] == new_customers != customers_a  # then the new pair
        # the reader that held the old build still reads it, beside its exports
        old = {c for (c,) in held.sql("select customer_id from marts.customer_segments").fetchall()}
        assert old == customers_a
        previous = publish.state_dir(a) / "previous" / "exports"
        assert _exported(previous) == customers_a
    finally:
        held.close()
    assert _exported(shops / "a.exports") == new_customers
    assert _digests(shops / "b.exports") == b_exports  # shop B's exports untouched
    assert _customers(b) == customers_b
