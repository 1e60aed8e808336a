"""The warehouse as analysts and BI tools meet it."""

from __future__ import annotations

import hashlib
import html
import os
import re
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import duckdb
import pytest
from conftest import BI_DUCKDB_VERSION, PROJECT, build_warehouse, query, run_segments
from samples import CHROMIUM_FLAGS, RENAMED_MARTS


def test_published_file_opens_in_duckdb_1_4(synthetic_db, bi_python):
    script = textwrap.dedent(f"""
        import duckdb
        assert duckdb.__version__ == "{BI_DUCKDB_VERSION}", duckdb.__version__
        con = duckdb.connect({str(synthetic_db)!r}, read_only=True)
        print(con.sql("select count(*), count(distinct segment_name) "
                      "from marts.customer_segments").fetchall()[0])
        print(con.sql("select sum(rows_removed) from marts.data_quality_audit").fetchall()[0])
    """)
    result = subprocess.run(
        [str(bi_python), "-c", script], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    customers, segments = query(
        synthetic_db, "select count(*), count(distinct segment_name) from marts.customer_segments"
    )[0]
    removed = query(synthetic_db, "select sum(rows_removed) from marts.data_quality_audit")[0][0]
    assert result.stdout.split("\n")[:2] == [f"({customers}, {segments})", f"({removed},)"]


READER = textwrap.dedent("""
    import sys, duckdb
    con = duckdb.connect(sys.argv[1], read_only=True)
    for line in sys.stdin:
        print(con.sql(line).fetchall(), flush=True)
""")


def test_rebuild_while_a_reader_holds_the_file(tmp_path):
    db = tmp_path / "live.duckdb"
    build_warehouse(db, "--vars", "{rfm_as_of: '2011-12-10'}")
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(db)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    as_of = "select distinct cast(as_of_date as varchar) from marts.customer_rfm\n"
    try:
        reader.stdin.write(as_of)
        reader.stdin.flush()
        assert reader.stdout.readline().strip() == "[('2011-12-10',)]"
        # a full rebuild with another as-of date while the reader keeps the file open
        build_warehouse(db, "--vars", "{rfm_as_of: '2011-12-20'}")
        reader.stdin.write(as_of)
        reader.stdin.flush()
        assert reader.stdout.readline().strip() == "[('2011-12-10',)]"  # still answers
    finally:
        reader.stdin.close()
        reader.wait(timeout=30)
    assert reader.returncode == 0
    assert query(db, as_of) == [("2011-12-20",)]  # new readers see the new build
    # no build left behind but the one the reader still holds
    assert len(list((tmp_path / ".live.duckdb.state" / "releases").iterdir())) == 2


def test_a_second_build_of_the_same_warehouse_is_refused_while_one_runs(tmp_path):
    from retail_segments import cli

    db = tmp_path / "busy.duckdb"
    held = cli._lock_build(db)  # as a running build holds it
    try:
        result = run_segments("build", "--db", str(db), cwd=tmp_path)
    finally:
        held.close()
    assert result.returncode == 2
    assert result.stderr.strip() == (
        f"error: another `segments build` is writing {db}; wait until it ends"
    )
    assert not db.exists()


def test_a_build_that_spills_to_disk_completes(synthetic_db, tmp_path):
    """A build whose data does not fit in DuckDB's memory limit spills to the spill folder
    and completes, with the same customers and revenue. DuckDB refuses to set the spill
    folder again once it has spilled there, and dbt-duckdb sets every `settings` entry again
    on each new cursor: with temp_directory among them, the first node after a spill failed
    ("Cannot switch temporary directory"; checked against the old profile). The limit sits
    inside the window measured on the embedded data with DuckDB's two threads: at 100 MB the
    deduplication's hash aggregate ran out of memory (on CI, and every time here since), at
    120-200 MB the build spilled and completed, at 250 MB it no longer spilled. The test
    watches the spill folder to know that it did."""
    from retail_segments import cli

    db, spill_root = tmp_path / "small_memory.duckdb", tmp_path / "spill"
    spill_root.mkdir()
    spill = cli._spill_dir(db, str(spill_root))
    seen: set[str] = set()
    log = tmp_path / "build.log"
    with open(log, "w") as output:
        build = subprocess.Popen(
            [sys.executable, "-m", "retail_segments.cli", "build", "--db", str(db)],
            cwd=tmp_path,
            env={
                **{k: v for k, v in os.environ.items() if not k.startswith(("SEGMENTS_", "RAW_"))},
                "SEGMENTS_MEMORY_LIMIT": "160MB",
                "SEGMENTS_TEMP_DIR": str(spill_root),
            },
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        while build.poll() is None:  # DuckDB removes its spill files when the build ends
            seen.update(path.name for path in spill.glob("*") if path.is_file())
            time.sleep(0.005)
    assert build.returncode == 0, log.read_text()[-3000:]
    assert seen, "the build never spilled: the test no longer tests what it says"
    customers = "select count(*), round(sum(monetary), 2) from marts.customer_rfm"
    assert query(db, customers) == query(synthetic_db, customers)


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_failed_build_leaves_the_published_warehouse_untouched(synthetic_db, tmp_path):
    # a copy of the published warehouse: its two links and its state (releases, pointer);
    # moved to another folder, it is still this warehouse's (its links lead into its state)
    for name in ("segments.duckdb", "segments.exports", ".segments.duckdb.state"):
        source = synthetic_db.parent / name
        if source.is_symlink():
            (tmp_path / name).symlink_to(os.readlink(source))
        else:
            shutil.copytree(source, tmp_path / name, symlinks=True)
    db, exports = tmp_path / "segments.duckdb", tmp_path / "segments.exports"
    (exports / "customer_segments.csv").write_text("previous export\n")
    published = sorted((tmp_path / ".segments.duckdb.state" / "releases").iterdir())
    before = _digest(db)
    # fails mid-build: cleaning and RFM models are built, then the scoring model cannot be
    result = run_segments(
        "build", "--db", str(db), "--vars", "{rfm_score_method: bogus}", cwd=tmp_path
    )
    assert result.returncode == 2
    assert "rfm_score_method must be 'quantile' or 'custom'" in result.stdout
    assert "nothing was published" not in result.stderr
    assert "the published warehouse is unchanged" in result.stderr
    assert _digest(db) == before
    assert (exports / "customer_segments.csv").read_text() == "previous export\n"
    assert query(db, "select count(*) from marts.customer_segments")[0][0] > 0
    # nothing of the failed build is left (its release folder is gone); the lock
    # file and dbt's state of this warehouse stay for the next build
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        ".segments.duckdb.lock",
        ".segments.duckdb.state",
        "segments.duckdb",
        "segments.exports",
    ]
    assert sorted((tmp_path / ".segments.duckdb.state" / "releases").iterdir()) == published


def test_activation_exports_match_the_mart(synthetic_db):
    exports = synthetic_db.parent / "segments.exports"
    count = query(synthetic_db, "select count(*) from marts.customer_segments")[0][0]
    con = duckdb.connect()
    for name in ("customer_segments.parquet", "customer_segments.csv"):
        path = exports / name
        assert path.exists()
        rows = con.sql(
            f"select count(*), count(distinct customer_id), count(segment_name) from '{path}'"
        ).fetchall()[0]
        assert rows == (count, count, count)


def test_marts_are_documented_tables_in_the_marts_schema(synthetic_db):
    kinds = query(
        synthetic_db,
        "select table_name, comment from duckdb_tables() where schema_name = 'marts'",
    )
    # the only views: the old names of renamed marts, each saying what to read instead
    views = query(
        synthetic_db, "select view_name, comment from duckdb_views() where schema_name = 'marts'"
    )
    assert {name for name, _ in views} == set(RENAMED_MARTS)
    assert all(f"Renamed {RENAMED_MARTS[name]}" in comment for name, comment in views)
    assert len(kinds) >= 19
    assert [name for name, comment in kinds if not comment] == []
    undocumented = query(
        synthetic_db,
        "select table_name || '.' || column_name from duckdb_columns() join duckdb_tables() "
        "using (database_name, schema_name, table_name) "
        "where schema_name = 'marts' and coalesce(trim(duckdb_columns.comment), '') = ''",
    )
    assert undocumented == []


def test_every_mart_column_has_a_description_in_yaml(tmp_path):
    from dbt.cli.main import dbtRunner

    result = dbtRunner().invoke(
        [
            "parse",
            "--project-dir",
            str(PROJECT),
            "--profiles-dir",
            str(PROJECT),
            "--target-path",
            str(tmp_path / "target"),
            "--log-path",
            str(tmp_path / "logs"),
            "--quiet",
        ]
    )
    assert result.success
    manifest = result.result
    marts = [
        node
        for node in manifest.nodes.values()
        if node.resource_type == "model"
        and node.config.schema == "marts"
        and node.name not in RENAMED_MARTS
    ]
    assert len(marts) >= 19
    missing = [
        f"{node.name}.{column}"
        for node in marts
        for column, spec in node.columns.items()
        if not spec.description.strip()
    ]
    assert missing == []
    assert [node.name for node in marts if not node.description.strip()] == []
    assert all(node.config.contract.enforced for node in marts)
    assert {e.name for e in manifest.exposures.values()} >= {
        "segmentation_report",
        "segment_dashboard",
    }


def test_docs_generate_succeeds(synthetic_db, tmp_path):
    db = tmp_path / "docs.duckdb"
    shutil.copy(synthetic_db, db)
    env = {k: v for k, v in os.environ.items() if not k.startswith("SEGMENTS_")}
    env.update(
        SEGMENTS_DB=str(db),
        SEGMENTS_DATA_DIR=str(synthetic_db.parent / "synthetic"),
        DBT_LOG_PATH=str(tmp_path / "logs"),
    )
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "dbt.cli.main",
            "docs",
            "generate",
            "--project-dir",
            str(PROJECT),
            "--profiles-dir",
            str(PROJECT),
            "--target-path",
            str(tmp_path / "docs"),
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-3000:]
    assert (tmp_path / "docs" / "catalog.json").exists()


def _readme_queries() -> list[str]:
    """The example queries of docs/warehouse.md, which the README links to."""
    page = (PROJECT / "docs" / "warehouse.md").read_text()
    section = page.split("## Querying the warehouse", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```sql\n(.*?)```", section, flags=re.S)


def test_readme_queries_run_as_written(synthetic_db):
    queries = _readme_queries()
    assert len(queries) >= 4
    for sql in queries:
        query(synthetic_db, sql)  # raises on any error


def test_report_renders_every_chart_in_a_browser(synthetic_db, tmp_path):
    """The synthetic warehouse's report in a browser: one progress line per section, every
    section shown in full, every chart drawn (the real-data report is measured in
    test_report.py)."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.skip("Debian's chromium is not installed (.ci/run installs it)")
    out = tmp_path / "report.html"
    other_dir = tmp_path / "elsewhere"
    other_dir.mkdir()
    result = run_segments("report", "--db", str(synthetic_db), "--out", str(out), cwd=other_dir)
    assert result.returncode == 0, result.stderr
    progress = [line for line in result.stdout.splitlines() if line.startswith("[")]
    assert [re.sub(r": ok \(\d+\.\ds\)$", "", line) for line in progress] == [
        "[1/9] Segments and what to do",
        "[2/9] How the segments were chosen",
        "[3/9] Product categories",
        "[4/9] New customers: what the first invoice tells",
        "[5/9] Lifetime value: forecast against what happened",
        "[6/9] Campaigns",
        "[7/9] Movement between segments",
        "[8/9] Exploration",
        "[9/9] Data quality",
    ], progress  # nothing "not shown" on a full build
    assert "Not shown" not in out.read_text()
    dom = subprocess.run(
        [
            chromium,
            *CHROMIUM_FLAGS,
            f"--user-data-dir={tmp_path / 'profile'}",
            "--virtual-time-budget=10000",
            "--dump-dom",
            out.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=180,
    ).stdout
    body = re.search(r"<body[^>]*>", dom).group(0)
    assert 'data-charts="15"' in body and 'data-sections="9"' in body
    assert 'data-images-loaded="15"' in body and 'data-images-broken="0"' in body
    assert (
        dom.count('<article class="card"')
        == query(synthetic_db, "select count(*) from marts.segment_profiles")[0][0]
    )
    screenshot = tmp_path / "report.png"
    subprocess.run(
        [
            chromium,
            *CHROMIUM_FLAGS,
            f"--user-data-dir={tmp_path / 'profile2'}",
            "--window-size=1280,3000",
            f"--screenshot={screenshot}",
            out.as_uri(),
        ],
        capture_output=True,
        timeout=180,
    )
    assert screenshot.stat().st_size > 50_000


def test_report_degrades_gracefully_without_optional_marts(synthetic_db, tmp_path):
    """A missing mart, or an empty one (too short a history for a lifetime-value forecast),
    becomes a note in its section and in the progress line, never a failure."""
    db = tmp_path / "partial.duckdb"
    shutil.copy(synthetic_db, db)
    with duckdb.connect(str(db)) as con:
        con.execute("drop table marts.customer_projections")
        for table in ("clv_evaluation", "clv_by_segment", "clv_model_parameters"):
            con.execute(f"delete from marts.{table}")
    out = tmp_path / "partial.html"
    result = run_segments("report", "--db", str(db), "--out", str(out), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    lines = {
        line.split("] ", 1)[1].split(": ok", 1)[0]: line
        for line in result.stdout.splitlines()
        if line.startswith("[")
    }
    assert (
        "not shown: marts.customer_projections is not in this warehouse"
        in lines["How the segments were chosen"]
    )
    assert (
        "not shown: marts.clv_evaluation has no rows"
        in lines["Lifetime value: forecast against what happened"]
    )
    assert "not shown" not in lines["Segments and what to do"]
    page = out.read_text()
    assert "Not shown: marts.customer_projections is not in this warehouse" in page
    assert "Not shown: marts.clv_evaluation has no rows" in page
    # the headlines are the warehouse's own (segment_overview, written at build time: a
    # headline without a forecast speaks of recency, its unit test shows), so emptied CLV
    # marts leave them as they are; every card still says what to do
    headlines = [
        headline
        for (headline,) in duckdb.connect(str(db), read_only=True)
        .sql(
            "select headline from marts.segment_overview "
            "where segment_type = 'behavioural_segment' order by display_order"
        )
        .fetchall()
    ]
    assert page.count('class="headline"') == len(headlines) > 0
    assert all(html.escape(headline) in page for headline in headlines)
    assert page.count('class="action"><b>Do:</b>') == len(headlines)

    bare = tmp_path / "bare.duckdb"
    shutil.copy(synthetic_db, bare)
    with duckdb.connect(str(bare)) as con:
        for table in (
            "segment_profiles",
            "rfm_segment_summary",
            "new_customer_prediction_evaluation",
            "segment_overview",
        ):
            con.execute(f"drop table marts.{table}")
    result = run_segments("report", "--db", str(bare), "--out", str(out), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "not shown: marts.segment_profiles is not in this warehouse" in result.stdout
    assert "not shown: marts.segment_overview is not in this warehouse" in result.stdout
    missing_mart = "Not shown: marts.new_customer_prediction_evaluation is not in this warehouse"
    assert missing_mart in out.read_text()

    missing = run_segments("report", "--db", str(tmp_path / "nope.duckdb"), cwd=tmp_path)
    assert missing.returncode == 2 and "warehouse not found" in missing.stderr
