"""Benchmark the full build on one input and write the results into bench/results/.

    python bench/benchmark.py --raw FILE --name NAME [--matching reference] [--runs 2]
                                    [--campaigns CAMPAIGNS.csv]

For the input it times:
- the one-pass floor: one DuckDB query that reads the raw file and computes, per
  customer, the number of invoices, revenue and last purchase;
- the copy floor: the whole file copied into a table of an on-disk DuckDB file, the least
  that loading it as a dbt source costs;
- the full `segments build` (dbt seeds, models and tests, then publish), its wall time and
  the peak memory (max RSS) of the build process;
- every model's time, from dbt's run_results.json;
- per stage (loading, cleaning + RFM, the other SQL models, the Python models, the tests):
  the time, and the peak memory of the build's processes while that stage's nodes ran
  (sampled from /proc every 50 ms, the build process and its workers together);
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
import threading
import time
from datetime import datetime
from pathlib import Path

import duckdb
from retail_segments import publish
from retail_segments.cli import project_dir

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
            build = subprocess.Popen(
                command, cwd=folder, env={**os.environ, "SEGMENTS_DATA_DIR": folder}
            )
            memory = MemorySampler(build.pid)
            build.wait()
            memory.stop()
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
    stages = stage_costs(run_results["results"], python_names, memory.samples)
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
        "stages": stages,
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


class MemorySampler:
    """The resident memory of a process and its descendants (dbt's Python models run loky
    workers), sampled every 50 ms from /proc in a thread until `stop`: (epoch seconds,
    bytes) pairs. Empty where /proc does not exist."""

    def __init__(self, pid: int, interval: float = 0.05):
        self.pid, self.interval, self.samples = pid, interval, []
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        while not self._done.is_set():
            self.samples.append((time.time(), _tree_rss(self.pid)))
            self._done.wait(self.interval)

    def stop(self) -> None:
        self._done.set()
        self._thread.join()


def _tree_rss(pid: int) -> int:
    """Resident bytes of `pid` and its descendants, from /proc (Linux, where the benchmark
    runs): a dozen lines here rather than psutil as a dependency for one measurement."""
    total, pending = 0, [pid]
    while pending:
        current = pending.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            total += int(status.split("VmRSS:")[1].split()[0]) * 1024
            for task in Path(f"/proc/{current}/task").iterdir():
                pending += [int(c) for c in (task / "children").read_text().split()]
        except (OSError, IndexError, ValueError):
            continue
    return total


# the stages of a build, in order; every node belongs to the first that claims it
STAGES = ("loading", "cleaning + RFM", "other SQL models", "Python models", "tests")


def _stage(node: str, kind: str, python_names: set[str]) -> str | None:
    if kind in ("test", "unit_test"):
        return "tests"
    if kind != "model":
        return None
    if node == STAGING_MODEL:
        return "loading"
    if node in CLEANING_AND_RFM:
        return "cleaning + RFM"
    return "Python models" if node in python_names else "other SQL models"


def _epoch(stamp: str) -> float:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()


def stage_costs(results: list[dict], python_names: set[str], samples: list) -> list[dict]:
    """Per stage: the seconds its nodes took and the peak memory sampled while they ran."""
    costs = {stage: {"stage": stage, "seconds": 0.0, "peak_gib": None} for stage in STAGES}
    for result in results:
        node, kind = result["unique_id"].split(".")[-1], result["unique_id"].split(".")[0]
        stage = _stage(node, kind, python_names)
        if stage is None:
            continue
        costs[stage]["seconds"] += result["execution_time"]
        for timing in result.get("timing", []):
            if timing.get("name") != "execute" or not timing.get("started_at"):
                continue
            start, end = _epoch(timing["started_at"]), _epoch(timing["completed_at"])
            during = [rss for at, rss in samples if start <= at <= end + 0.05]
            if during:
                peak = max(during) / 2**30
                costs[stage]["peak_gib"] = max(costs[stage]["peak_gib"] or 0.0, peak)
    return [
        {
            "stage": cost["stage"],
            "seconds": round(cost["seconds"], 2),
            "peak_gib": None if cost["peak_gib"] is None else round(cost["peak_gib"], 2),
        }
        for cost in costs.values()
    ]


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
    )
    if result.get("stages"):
        head += "Per stage (peak memory of the build's processes while its nodes ran):\n\n"
        head += "| stage | seconds | peak memory (GiB) |\n| --- | --- | --- |\n"
        head += "".join(
            f"| {stage['stage']} | {stage['seconds']} | {stage['peak_gib']} |\n"
            for stage in result["stages"]
        )
        head += "\n"
    head += "Slowest nodes (dbt run_results):\n\n| node | kind | seconds |\n| --- | --- | --- |\n"
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
        "# Benchmark results\n\nWritten by `python bench/benchmark.py` "
        "(see bench/README.md); "
        "one row per input. Times in seconds, memory in GiB.\n\n"
        "| input | lines | customers | full build | peak memory | floor | copy floor | "
        "cleaning + RFM | ratio to floor | Python models | commit | machine |\n"
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n"
        + "".join(rows)
    )


def growth(results: Path, names: list[str]) -> str:
    """Markdown: the named results side by side, per stage time and peak memory, and the
    factor each grows by from one input to the next beside the factor the lines grew by."""
    runs = [json.loads((results / f"{name}.json").read_text()) for name in names]
    # linked from bench/README.md, where the results are in results/
    header = "| measure | " + " | ".join(f"[{r['name']}](results/{r['name']}.md)" for r in runs)
    header += " | " + " | ".join(f"x from {a['name']}" for a in runs[:-1]) + " |\n"
    header += "| --- " * (2 * len(runs)) + "|\n"

    def row(label: str, values: list, digits: int = 1) -> str:
        shown = ["" if v is None else f"{v:,.{digits}f}" for v in values]
        factors = [
            f"{b / a:.1f}" if a and b is not None else ""
            for a, b in zip(values[:-1], values[1:], strict=True)
        ]
        return f"| {label} | " + " | ".join(shown + factors) + " |\n"

    def stage(r: dict, name: str, key: str):
        return next((s[key] for s in r.get("stages", []) if s["stage"] == name), None)

    rows = row("lines (millions)", [r["lines"] / 1e6 for r in runs], 2)
    rows += row("customers (thousands)", [r["customers"] / 1e3 for r in runs], 1)
    rows += row("full build, s", [r["build_wall_seconds"] for r in runs])
    rows += row("peak memory, GiB", [r["peak_memory_gib"] for r in runs], 2)
    rows += row("copy floor, s", [r.get("copy_floor_seconds") for r in runs], 2)
    for name in STAGES:
        rows += row(f"{name}, s", [stage(r, name, "seconds") for r in runs])
        rows += row(f"{name}, peak GiB", [stage(r, name, "peak_gib") for r in runs], 2)
    return header + rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python bench/benchmark.py", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--raw", help="raw invoice file (.parquet or .csv)")
    parser.add_argument("--name", help="name of the result, e.g. real_1x")
    parser.add_argument(
        "--growth",
        help="print, instead of building, the growth table of results NAME,NAME,... "
        "(smallest input first)",
    )
    parser.add_argument("--matching", choices=["allocate", "reference"])
    parser.add_argument("--results", default=None, help="folder (default: bench/results)")
    parser.add_argument(
        "--runs",
        type=int,
        default=1,
        help="builds in a row into the same warehouse; the last one is reported (a first "
        "build parses the whole dbt project, a repeated one only what changed)",
    )
    parser.add_argument("--campaigns", help="campaigns file to declare (docs/methods/campaigns.md)")
    args = parser.parse_args(argv)
    results = Path(args.results) if args.results else project_dir() / "bench" / "results"
    if args.growth:
        print(growth(results, args.growth.split(",")), end="")
        return 0
    if not (args.raw and args.name):
        parser.error("--raw and --name are needed to run a benchmark")
    raw = Path(args.raw).resolve()
    if not raw.exists():
        print(f"error: raw file not found: {raw}", file=sys.stderr)
        return 2
    campaigns = Path(args.campaigns).resolve() if args.campaigns else None
    run(raw, args.name, args.matching, results, max(1, args.runs), campaigns)
    return 0


if __name__ == "__main__":
    sys.exit(main())
