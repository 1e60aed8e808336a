"""Benchmark the full build on one input and write the results into bench/results/.

    python -m retail_segments.bench --raw FILE --name NAME [--matching reference] [--runs 2]
                                    [--campaigns CAMPAIGNS.csv]

For the input it times:
- the one-pass floor: one DuckDB query that reads the raw file and computes, per
  customer, the number of invoices, revenue and last purchase;
- the copy floor: the whole file copied into a table of an on-disk DuckDB file, the least
  that loading it as a dbt source costs;
- the full `segments build` (dbt seeds, models and tests, then publish), its wall time and
  the peak memory (max RSS) of the build process;
- every model's time, from dbt's run_results.json;
and the ratio of the SQL cleaning + RFM models to the floor, so results compare across
machines. Results: bench/results/NAME.json and NAME.md; bench/results/README.md is
regenerated as the summary of all results.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

from . import publish
from .cli import project_dir

# loads the raw file (the source plugin runs when this model first reads the source)
STAGING_MODEL = "stg_online_retail__invoice_lines"
# the SQL models that clean the lines and compute RFM: compared with the one-pass floor
CLEANING_AND_RFM = (
    STAGING_MODEL,
    "int_invoice_lines__with_customer",
    "int_invoice_lines__deduplicated",
    "int_cancellations__allocated",
    "int_cancellations__reference",
    "int_invoice_lines__cancellations_matched",
    "int_sales_lines__purchases",
    "int_sales_lines__products",
    "int_sales_lines__priced",
    "fct_sales_lines",
    "fct_invoices",
    "customer_rfm",
)


def floor_seconds(raw: Path, threads: int) -> tuple[float, int]:
    """Read the file once and aggregate per customer, in DuckDB."""
    con = duckdb.connect()
    con.execute(f"set threads = {threads}")
    reader = {".parquet": "read_parquet", ".csv": "read_csv"}.get(raw.suffix.lower())
    if reader is None:
        raise SystemExit("the benchmark floor reads Parquet or CSV files")
    columns = [c[0] for c in con.sql(f"describe select * from {reader}('{raw}')").fetchall()]
    customer = "CustomerID" if "CustomerID" in columns else '"Customer ID"'
    invoice = "InvoiceNo" if "InvoiceNo" in columns else "Invoice"
    price = "UnitPrice" if "UnitPrice" in columns else "Price"
    started = time.perf_counter()
    customers = con.sql(
        f"select count(*) from (select {customer}, count(distinct {invoice}), "
        f"sum(Quantity * {price}), max(InvoiceDate) from {reader}('{raw}') "
        f"where {customer} is not null group by {customer})"
    ).fetchall()[0][0]
    return time.perf_counter() - started, customers


def copy_floor_seconds(raw: Path, threads: int, folder: Path) -> float:
    """Copy the whole file, every column, into a table of an on-disk DuckDB file: what
    loading the raw file as a dbt source costs at the least, before any cleaning."""
    reader = {".parquet": "read_parquet", ".csv": "read_csv"}[raw.suffix.lower()]
    con = duckdb.connect(str(folder / "copy_floor.duckdb"))
    con.execute(f"set threads = {threads}")
    con.execute("set preserve_insertion_order = false")
    started = time.perf_counter()
    con.execute(f"create table raw_lines as select * from {reader}('{raw}')")
    con.execute("checkpoint")
    seconds = time.perf_counter() - started
    con.close()
    return seconds


def machine() -> dict:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": round(memory, 1),
        "python": platform.python_version(),
        "duckdb": duckdb.__version__,
    }


def commit(project: Path) -> str:
    result = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=project, capture_output=True, text=True
    )
    dirty = subprocess.run(
        # results written by earlier benchmark runs are not code
        ["git", "status", "--porcelain", "--untracked-files=no", "--", ".", ":!bench/results"],
        cwd=project,
        capture_output=True,
        text=True,
    ).stdout.strip()
    return (result.stdout.strip() or "unknown") + ("+changes" if dirty else "")


def run(
    raw: Path,
    name: str,
    matching: str | None,
    results: Path,
    runs: int = 1,
    campaigns: Path | None = None,
) -> dict:
    project = project_dir()
    threads = int(os.environ.get("SEGMENTS_THREADS", "2"))
    floor, customers = floor_seconds(raw, threads)
    print(f"floor: {floor:.2f}s ({customers:,} customers)", flush=True)
    with tempfile.TemporaryDirectory(prefix="segments-bench-copy-") as folder:
        copy_floor = copy_floor_seconds(raw, threads, Path(folder))
    print(f"copy floor: {copy_floor:.2f}s", flush=True)
    lines = duckdb.sql(f"select count(*) from '{raw}'").fetchall()[0][0]
    with tempfile.TemporaryDirectory(prefix="segments-bench-") as folder:
        db = Path(folder) / "segments.duckdb"
        command = [
            sys.executable,
            "-m",
            "retail_segments.cli",
            "build",
            "--raw",
            str(raw),
            "--db",
            str(db),
        ]
        if matching:
            command += ["--matching", matching]
        if campaigns:
            command += ["--campaigns", str(campaigns)]
        walls = []
        for number in range(1, runs + 1):
            print(f"build {number} of {runs}", flush=True)
            started = time.perf_counter()
            build = subprocess.run(
                command, cwd=folder, env={**os.environ, "SEGMENTS_DATA_DIR": folder}
            )
            walls.append(time.perf_counter() - started)
            if build.returncode != 0:
                raise SystemExit(f"the build failed (exit {build.returncode})")
        wall = walls[-1]
        peak_gib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 2**20
        # the last build's results, from this warehouse's own dbt state
        target, _ = publish.dbt_paths(db)
        run_results = json.loads((target / "run_results.json").read_text())
    models = sorted(
        (
            {
                "node": r["unique_id"].split(".")[-1],
                "kind": r["unique_id"].split(".")[0],
                "seconds": round(r["execution_time"], 3),
            }
            for r in run_results["results"]
        ),
        key=lambda r: -r["seconds"],
    )
    cleaning = sum(
        m["seconds"] for m in models if m["kind"] == "model" and m["node"] in CLEANING_AND_RFM
    )
    python_names = python_models()
    python_seconds = sum(m["seconds"] for m in models if m["node"] in python_names)
    tests = sum(m["seconds"] for m in models if m["kind"] in ("test", "unit_test"))
    result = {
        "name": name,
        "input": raw.name,
        "lines": lines,
        "customers": customers,
        "matching": matching or "allocate",
        "commit": commit(project),
        "machine": machine(),
        "measured_at": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        # the last run; earlier runs parse the whole project, later ones only what changed
        "build_wall_seconds": round(wall, 1),
        "build_runs_wall_seconds": [round(w, 1) for w in walls],
        "peak_memory_gib": round(peak_gib, 2),
        "floor_seconds": round(floor, 3),
        "cleaning_and_rfm_seconds": round(cleaning, 2),
        "cleaning_and_rfm_to_floor": round(cleaning / floor, 1) if floor else None,
        "copy_floor_seconds": round(copy_floor, 3),
        "staging_seconds": round(
            sum(m["seconds"] for m in models if m["node"] == STAGING_MODEL), 2
        ),
        "python_models_seconds": round(python_seconds, 1),
        "tests_seconds": round(tests, 1),
        "models": models,
    }
    results.mkdir(parents=True, exist_ok=True)
    (results / f"{name}.json").write_text(json.dumps(result, indent=2) + "\n")
    (results / f"{name}.md").write_text(markdown(result))
    (results / "README.md").write_text(summary(results))
    print(
        f"{name}: build {wall:.1f}s, peak {peak_gib:.2f} GiB, cleaning+RFM {cleaning:.1f}s = "
        f"{result['cleaning_and_rfm_to_floor']}x the floor"
    )
    return result


def python_models() -> set[str]:
    """The dbt Python models of the project (every models/**/*.py)."""
    return {path.stem for path in (project_dir() / "models").rglob("*.py")}


def markdown(result: dict) -> str:
    m = result["machine"]
    head = (
        f"# Benchmark: {result['name']}\n\n"
        f"Input `{result['input']}`: {result['lines']:,} lines, {result['customers']:,} "
        f"customers; cancellation matching `{result['matching']}`.\n"
        f"Commit {result['commit']}, measured {result['measured_at']} on {m['cpu']}, "
        f"{m['cores']} cores, {m['memory_gib']} GiB (Python {m['python']}, "
        f"DuckDB {m['duckdb']}).\n\n"
        f"| measure | value |\n| --- | --- |\n"
        f"| full build (seeds, models, tests, publish) | {result['build_wall_seconds']} s |\n"
        f"| every run, in order (the first parses the whole project) | "
        f"{', '.join(f'{w} s' for w in result.get('build_runs_wall_seconds', []))} |\n"
        f"| peak memory of the build process | {result['peak_memory_gib']} GiB |\n"
        f"| one-pass floor | {result['floor_seconds']} s |\n"
        f"| copy floor: the file copied into a DuckDB table, no cleaning | "
        f"{result.get('copy_floor_seconds')} s |\n"
        f"| loading the source (staging model) | {result.get('staging_seconds')} s |\n"
        f"| SQL cleaning + RFM models | {result['cleaning_and_rfm_seconds']} s "
        f"({result['cleaning_and_rfm_to_floor']}x the floor) |\n"
        f"| Python models | {result['python_models_seconds']} s |\n"
        f"| data and unit tests | {result['tests_seconds']} s |\n\n"
        f"Slowest nodes (dbt run_results):\n\n| node | kind | seconds |\n| --- | --- | --- |\n"
    )
    rows = "".join(
        f"| {r['node']} | {r['kind']} | {r['seconds']} |\n" for r in result["models"][:25]
    )
    return head + rows


def summary(results: Path) -> str:
    rows = []
    for path in sorted(results.glob("*.json")):
        r = json.loads(path.read_text())
        if "build_wall_seconds" not in r:  # e.g. the clustering-only benchmark
            continue
        rows.append(
            f"| [{r['name']}]({r['name']}.md) | {r['lines']:,} | {r['customers']:,} | "
            f"{r['build_wall_seconds']} | {r['peak_memory_gib']} | {r['floor_seconds']} | "
            f"{r.get('copy_floor_seconds', '')} | "
            f"{r['cleaning_and_rfm_seconds']} | {r['cleaning_and_rfm_to_floor']} | "
            f"{r['python_models_seconds']} | {r['commit']} | {r['machine']['cores']} cores, "
            f"{r['machine']['memory_gib']} GiB |\n"
        )
    return (
        "# Benchmark results\n\nWritten by `python -m retail_segments.bench` "
        "(see bench/README.md); "
        "one row per input. Times in seconds, memory in GiB.\n\n"
        "| input | lines | customers | full build | peak memory | floor | copy floor | "
        "cleaning + RFM | ratio to floor | Python models | commit | machine |\n"
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n"
        + "".join(rows)
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m retail_segments.bench", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--raw", required=True, help="raw invoice file (.parquet or .csv)")
    parser.add_argument("--name", required=True, help="name of the result, e.g. real_1x")
    parser.add_argument("--matching", choices=["allocate", "reference"])
    parser.add_argument("--results", default=None, help="folder (default: bench/results)")
    parser.add_argument(
        "--runs",
        type=int,
        default=1,
        help="builds in a row into the same warehouse; the last one is reported (a first "
        "build parses the whole dbt project, a repeated one only what changed)",
    )
    parser.add_argument("--campaigns", help="campaigns file to declare (README 'Campaigns')")
    args = parser.parse_args(argv)
    raw = Path(args.raw).resolve()
    if not raw.exists():
        print(f"error: raw file not found: {raw}", file=sys.stderr)
        return 2
    results = Path(args.results) if args.results else project_dir() / "bench" / "results"
    campaigns = Path(args.campaigns).resolve() if args.campaigns else None
    run(raw, args.name, args.matching, results, max(1, args.runs), campaigns)
    return 0


if __name__ == "__main__":
    sys.exit(main())
