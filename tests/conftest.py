"""Shared helpers: real `segments build` runs into temporary warehouses, and the two tiers.

tests/unit/ is pure Python (no warehouse, no dbt; `pytest -m unit` runs it in under a
minute); tests/integration/ runs real builds. Every test gets its tier's marker from its
folder, and a unit test that starts a build fails (`_refuse_builds_in_unit_tests`)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import duckdb
import pandas as pd
import pytest

PROJECT = Path(__file__).resolve().parents[1]
REAL_DATA = (PROJECT / ".." / "shared" / "data" / "online_retail.parquet").resolve()

if not REAL_DATA.exists() and os.environ.get("CI"):
    # CI must never pass by skipping the real-data tests
    pytest.exit(f"error: CI is set but the real data is missing at {REAL_DATA}", returncode=3)
if os.environ.get("CI") and not (shutil.which("chromium") or shutil.which("chromium-browser")):
    # nor by skipping the report's browser tests
    pytest.exit("error: CI is set but chromium is missing (the report tests need it)", returncode=3)

needs_real_data = pytest.mark.skipif(
    not REAL_DATA.exists(),
    reason=f"REAL DATA MISSING at {REAL_DATA}: the real-data tests did not run",
)


UNIT_TESTS = PROJECT / "tests" / "unit"


def pytest_collection_modifyitems(config, items):
    for item in items:
        item.add_marker("unit" if UNIT_TESTS in item.path.parents else "integration")


def _refuse_builds_in_unit_tests() -> None:
    """A build started while a unit test runs, or sets up its fixtures (a session warehouse
    included), fails: pytest names the test in PYTEST_CURRENT_TEST."""
    if os.environ.get("PYTEST_CURRENT_TEST", "").startswith("tests/unit/"):
        raise RuntimeError("a unit test must not build: it belongs in tests/integration")


def run_segments(*args: str, cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    """Run the `segments` command as a user would, from `cwd`."""
    _refuse_builds_in_unit_tests()
    full_env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("RAW_INVOICES", "SEGMENTS_DB", "SEGMENTS_BUILD_DB")
    }
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "retail_segments.cli", *args],
        cwd=cwd,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=1200,
    )


# what each build of build_warehouse printed, by warehouse (for tests of the printed notes)
BUILD_OUTPUT: dict[Path, str] = {}


def build_warehouse(db: Path, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    result = run_segments("build", "--db", str(db), *args, cwd=cwd or db.parent)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    BUILD_OUTPUT[db] = result.stdout + result.stderr
    return result


def project_copy(folder: Path) -> Path:
    """A copy of the dbt project (models, macros, seeds, dbt tests, settings) in
    `folder/project`, to change and build apart from the real one."""
    copy = folder / "project"
    for name in ("models", "macros", "seeds"):
        shutil.copytree(PROJECT / name, copy / name)
    # the dbt tests, without the pytest tiers (the dbt Python models in models/ stay)
    pytest_files = shutil.ignore_patterns("unit", "integration", "*.py", "__pycache__")
    shutil.copytree(PROJECT / "tests", copy / "tests", ignore=pytest_files)
    for name in ("dbt_project.yml", "profiles.yml"):
        shutil.copy(PROJECT / name, copy / name)
    return copy


def build_project_copy(project: Path, raw: Path, db: Path) -> subprocess.CompletedProcess:
    """`segments build` of `raw` into `db` with the project copy `project`."""
    return run_segments(
        "build",
        "--raw",
        str(raw),
        "--db",
        str(db),
        cwd=db.parent,
        env={"SEGMENTS_PROJECT_DIR": str(project)},
    )


def copy_warehouse(db: Path, folder: Path) -> Path:
    """A copy of a built warehouse to change and re-run models on; it keeps the file name,
    so dbt's SQL names the same database."""
    folder.mkdir()
    copy = folder / db.name
    shutil.copy(db, copy)
    return copy


def run_dbt(
    *args: str,
    env: dict,
    variables: dict | None = None,
    cwd: Path | None = None,
    timeout: int = 900,
    project: Path = PROJECT,
) -> subprocess.CompletedProcess:
    """Plain `dbt ARGS` on this project (or a copy of it), as a user of dbt would, with
    `env` over a clean environment (no raw file, warehouse or build file of the caller's)."""
    _refuse_builds_in_unit_tests()
    full_env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("RAW_INVOICES", "SEGMENTS_DB", "SEGMENTS_BUILD_DB")
    }
    full_env.update(env)
    # never the project's own target/ and logs/: tests run side by side (pytest-xdist);
    # folders the caller did not ask for are removed after the run
    with tempfile.TemporaryDirectory(prefix="dbt-run-") as scratch:
        if "--target-path" not in args and "DBT_TARGET_PATH" not in full_env:
            full_env["DBT_TARGET_PATH"] = str(Path(scratch) / "target")
        full_env.setdefault("DBT_LOG_PATH", str(Path(scratch) / "logs"))
        dbt = Path(sys.executable).parent / "dbt"
        command = [str(dbt), *args, "--project-dir", str(project), "--profiles-dir", str(project)]
        if variables:
            command += ["--vars", json.dumps(variables)]
        return subprocess.run(
            command, env=full_env, cwd=cwd, capture_output=True, text=True, timeout=timeout
        )


def rerun_models(db: Path, models: list[str], variables: dict | None = None) -> None:
    """`dbt run --select MODELS` on the warehouse file `db`, as a user of plain dbt would."""
    result = run_dbt(
        "run",
        "--select",
        *models,
        "--target-path",
        str(db.parent / "target"),
        env={"SEGMENTS_DB": str(db), "SEGMENTS_EXPORT_DIR": str(db.parent / "exports")},
        variables=variables,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-3000:]


def write_raw(frame, path: Path) -> Path:
    """A raw invoice frame written as the file its suffix names (Parquet, CSV or XLSX)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix == ".parquet":
        frame.to_parquet(path, index=False)
    elif path.suffix == ".csv":
        frame.to_csv(path, index=False)
    else:
        frame.to_excel(path, index=False)
    return path


def query(db: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as conn:
        return conn.sql(sql).fetchall()


def frame(db: Path, sql: str, attach: dict[str, Path] | None = None):
    """The rows of `sql` on the warehouse `db` (read-only), as a pandas frame; `attach`
    names other warehouses the query reads (read-only too)."""
    with duckdb.connect(str(db), read_only=True) as conn:
        for name, other in (attach or {}).items():
            conn.execute(f"attach '{other}' as {name} (read_only)")
        return conn.sql(sql).df()


# what BI tools bundle: DuckDB 1.4 LTS, and the duckdb-engine + SQLAlchemy they reflect with
BI_DUCKDB_VERSION = "1.4.4"
DUCKDB_ENGINE = "duckdb-engine==0.17.*"
WORKING_SQLALCHEMY = "2.0.44"


def shared_setup(tmp_path_factory, name: str, make) -> Path:
    """`make(folder)` run once per test run, in a folder named `name`, whatever the number
    of pytest-xdist workers (`.ci/run` runs two): the first worker to ask makes it under a
    file lock, the others wait and then read what it made. What `make` printed through
    build_warehouse reaches BUILD_OUTPUT in every worker. Returns what `make` returned, a
    path in `folder`."""
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        folder = tmp_path_factory.mktemp(name)
        return make(folder)
    from filelock import FileLock

    root = tmp_path_factory.getbasetemp().parent  # the run's folder, shared by the workers
    folder, made, failed = root / name, root / f"{name}.made", root / f"{name}.failed"
    with FileLock(str(root / f"{name}.lock")):
        if failed.exists():
            pytest.fail(f"the shared setup {name} failed in another worker:\n{failed.read_text()}")
        if not made.exists():
            shutil.rmtree(folder, ignore_errors=True)  # a worker that died while making it
            folder.mkdir()
            try:
                result = Path(make(folder))
            except BaseException as problem:
                failed.write_text(f"{type(problem).__name__}: {problem}"[-4000:])
                raise
            outputs = {str(db): text for db, text in BUILD_OUTPUT.items() if _inside(db, folder)}
            made.write_text(json.dumps({"result": str(result), "outputs": outputs}))
    recorded = json.loads(made.read_text())
    BUILD_OUTPUT.update({Path(db): text for db, text in recorded["outputs"].items()})
    return Path(recorded["result"])


def _inside(path: Path, folder: Path) -> bool:
    return folder == path or folder in path.parents


@pytest.fixture(scope="session")
def bi_python(tmp_path_factory) -> Path:
    """One separate virtual environment as a BI tool's: DuckDB 1.4 LTS, duckdb-engine 0.17
    and the newest SQLAlchemy that reflects through them."""
    return shared_setup(tmp_path_factory, "bi", _make_bi_python)


def _make_bi_python(folder: Path) -> Path:
    venv = folder / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    packages = [f"duckdb=={BI_DUCKDB_VERSION}", DUCKDB_ENGINE, f"sqlalchemy=={WORKING_SQLALCHEMY}"]
    installed = subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", *packages],
        capture_output=True,
        text=True,
    )
    assert installed.returncode == 0, installed.stderr[-2000:]
    return python


@pytest.fixture(scope="session")
def synthetic_db(tmp_path_factory) -> Path:
    """The main job: the embedded synthetic data, default settings."""
    return shared_setup(tmp_path_factory, "synthetic", _build_synthetic)


def _build_synthetic(folder: Path) -> Path:
    db = folder / "segments.duckdb"
    build_warehouse(db)
    return db


@pytest.fixture(scope="session")
def real_reference_db(tmp_path_factory) -> Path:
    """The real data with the reference notebook's cancellation rule and as-of date."""
    if not REAL_DATA.exists():
        pytest.skip(f"REAL DATA MISSING at {REAL_DATA}: the real-data tests did not run")
    return shared_setup(tmp_path_factory, "real_reference", _build_real_reference)


def _build_real_reference(folder: Path) -> Path:
    db = folder / "segments.duckdb"
    build_warehouse(
        db,
        "--raw",
        str(REAL_DATA),
        "--matching",
        "reference",
        "--vars",
        "{rfm_as_of: '2011-12-09'}",
    )
    return db


def real_campaigns(folder: Path) -> Path:
    """The campaigns declared in the real build: tests/data/campaigns/real_data_campaigns.csv
    and one campaign measured on a sent list, written here from the real data (never kept
    in the repository): the customers who bought in August 2011, in a file shaped like a
    saved campaign_audiences export (rows of another campaign too, a repeated customer, one
    who never bought)."""
    august = duckdb.sql(
        f"select distinct cast(cast(CustomerID as bigint) as varchar) as customer_id "
        f"from '{REAL_DATA}' where CustomerID is not null and InvoiceDate >= '2011-08-01' "
        f"and InvoiceDate < '2011-09-01' order by 1"
    ).df()
    listed = pd.concat(
        [
            august.assign(campaign_key="august_list", target_segment="August buyers"),
            august.head(5).assign(campaign_key="august_list", target_segment="August buyers"),
            pd.DataFrame({"customer_id": ["99999999"], "campaign_key": "august_list"}),
            august.head(50).assign(campaign_key="another_campaign", target_segment="Other"),
        ]
    )
    sent = folder / "august_list.csv"
    listed[["campaign_key", "customer_id", "target_segment"]].to_csv(sent, index=False)
    declared = (PROJECT / "tests" / "data" / "campaigns" / "real_data_campaigns.csv").read_text()
    campaigns = folder / "campaigns.csv"
    campaigns.write_text(
        declared + f"august_list,behavioural_segment,Lapsed regulars,2011-09-01,0.2,,,{sent}\n"
    )
    return campaigns


@pytest.fixture(scope="session")
def real_allocate_db(tmp_path_factory) -> Path:
    """The real data, default settings, with the campaigns of test_campaigns.py declared
    (none was sent: the data predates them)."""
    if not REAL_DATA.exists():
        pytest.skip(f"REAL DATA MISSING at {REAL_DATA}: the real-data tests did not run")
    return shared_setup(tmp_path_factory, "real_allocate", _build_real_allocate)


def _build_real_allocate(folder: Path) -> Path:
    db = folder / "segments.duckdb"
    build_warehouse(db, "--raw", str(REAL_DATA), "--campaigns", str(real_campaigns(folder)))
    return db


@pytest.fixture(scope="module")
def fuzz_base(tmp_path_factory) -> pd.DataFrame:
    """About 90 valid lines: generated ones, a bad-debt adjustment (an A invoice with a
    negative price and no customer) and a line without a description."""
    from retail_segments import synthetic
    from samples import COLUMNS

    folder = tmp_path_factory.mktemp("fuzz_base")
    raw, _ = synthetic.generate(folder / "small.parquet", customers=30, seed=5)
    frame = pd.read_parquet(raw).head(90).reset_index(drop=True)
    extra = pd.DataFrame(
        [
            ["A563185", "B", "Adjust bad debt", 1, "2011-08-12 14:50", -11062.06, None, "UK"],
            ["563186", "22633", None, 12, "2011-08-12 14:51", 1.95, 17850.0, "UK"],
        ],
        columns=COLUMNS,
    ).astype({"InvoiceDate": "datetime64[us]"})
    return pd.concat([frame, extra], ignore_index=True)[COLUMNS]
