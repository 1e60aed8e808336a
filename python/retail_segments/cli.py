"""`segments`: the one command users run.

    segments build [--raw FILE|FOLDER ...] [--columns MAPPING.yml] [--db FILE]
                   [--campaigns CAMPAIGNS.csv] [--matching allocate|reference] [--vars YAML]
    segments generate --customers N --out FILE.parquet

`build` checks the raw file first (a clear one-line error, never a stack trace), runs
`dbt build` (seeds, models, tests) into a new release folder of the warehouse, and only
when everything passed publishes the warehouse and its exports together, by one atomic
swap of a pointer (`publish.py`): readers holding the old file keep working, new readers
see the complete new build with its own exports, and a failed build leaves the last
published warehouse untouched.
"""

from __future__ import annotations

import argparse
import glob
import hashlib
import json
import os
import shutil
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import yaml

from . import publish, synthetic, synthetic_shops
from .raw import (
    CHECKED_STAMP_ENV,
    RawInputError,
    RawInvoiceFiles,
    raw_path_list,
    read_options,
)
from .settings import project_dir

DEFAULT_DB_RELATIVE = Path("warehouse") / "segments.duckdb"


def warehouse_path(project: Path, db: str | None = None) -> Path:
    """The published warehouse as an absolute path; its own name is kept as given (it is a
    link to the current release, which must not be resolved away), its folder resolved."""
    value = db or os.environ.get("SEGMENTS_DB")
    path = Path(value).expanduser().absolute() if value else project / DEFAULT_DB_RELATIVE
    return path.parent.resolve() / path.name


def _error(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return 2


def check_raw_files(paths: list[Path], variables: dict) -> int:
    """Read every file once through the loader's checks, with the options the build will
    use (vars raw_columns, time_zone, decimal_separator, date_format; RAW_COLUMNS);
    returns the number of files. Raises RawInputError."""
    options = read_options(
        variables.get("raw_columns"),
        variables.get("time_zone"),
        variables.get("decimal_separator"),
        variables.get("date_format"),
    )
    files = RawInvoiceFiles(paths, options=options)
    try:
        stamp = files.stamp()
        files.check()
        # the dbt-duckdb plugin, loading these files in this process, needs not check again
        if stamp is not None:
            os.environ[CHECKED_STAMP_ENV] = stamp
        return len(files.files)
    finally:
        files.close()


def run_dbt(args: list[str]) -> bool:
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager
    from dbt.cli.main import dbtRunner

    try:
        result = dbtRunner().invoke(args)
    finally:
        DuckDBConnectionManager.close_all_connections()
    return bool(result.success)


def build(
    raw: str | list[str] | None = None,
    db: str | None = None,
    matching: str | None = None,
    extra_vars: str | None = None,
    columns: str | None = None,
    campaigns: str | None = None,
) -> int:
    project = project_dir()
    target = warehouse_path(project, db)
    if os.sep != "\\" and "\\" in str(target):
        return _error(f"DuckDB cannot open a database whose path holds a backslash: {target}")
    vars_raw, extra_vars = _take_raw_from_vars(extra_vars)
    raws = [raw] if isinstance(raw, str) else list(raw or [])
    if raws and vars_raw and raw_path_list(raws) != raw_path_list(vars_raw):
        return _error("--raw and --vars raw_invoices name different files; give the file once")
    raw_paths = raw_path_list(raws or vars_raw)
    build_vars = _build_vars(project, extra_vars)
    if columns and build_vars.get("raw_columns"):
        return _error("--columns and var raw_columns both give a column mapping; give it once")
    if campaigns:
        if build_vars.get("campaigns"):
            return _error("--campaigns and var campaigns both name a campaigns file; give it once")
        campaigns_file = Path(campaigns).expanduser().absolute()
        if not campaigns_file.is_file():
            return _error(f"--campaigns: no such file: {campaigns_file}")
        try:
            given = yaml.safe_load(extra_vars) if extra_vars else {}
        except yaml.YAMLError:
            given = None
        if not isinstance(given, dict):
            return _error("--vars must be a YAML mapping, e.g. '{rfm_as_of: 2011-12-09}'")
        extra_vars = json.dumps({**given, "campaigns": str(campaigns_file)}, default=str)
    elif build_vars.get("campaigns") and not Path(str(build_vars["campaigns"])).is_file():
        return _error(f"var campaigns: no such file: {build_vars['campaigns']}")
    if columns:
        mapping_file = Path(columns).expanduser().absolute()
        if not mapping_file.is_file():
            return _error(f"--columns: no such mapping file: {mapping_file}")
        os.environ["RAW_COLUMNS"] = str(mapping_file)
    started = time.monotonic()
    os.environ.pop(CHECKED_STAMP_ENV, None)
    if raw_paths:
        shown = raw_paths[0] if len(raw_paths) == 1 else f"{len(raw_paths)} paths"
        print(f"checking raw input {shown} ...", flush=True)
        try:
            files = check_raw_files(raw_paths, build_vars)
        except RawInputError as problem:
            return _error(str(problem))
        if files > 1:
            print(f"{files} raw files, read as one history in name order", flush=True)
        os.environ["RAW_INVOICES"] = "\n".join(str(path) for path in raw_paths)
    else:
        os.environ.pop("RAW_INVOICES", None)
        print(
            "no raw file given (--raw or RAW_INVOICES): using the embedded synthetic data",
            flush=True,
        )

    target.parent.mkdir(parents=True, exist_ok=True)
    lock = _lock_build(target)
    if lock is None:
        return _error(f"another `segments build` is writing {target}; wait until it ends")
    try:
        with _after_killed_builds(target):
            return _build_and_publish(project, target, started, matching, extra_vars)
    finally:
        lock.close()  # releases the lock


def _take_raw_from_vars(extra_vars: str | None) -> tuple[str | None, str | None]:
    """`--vars '{raw_invoices: FILE}'` names the raw file as --raw does: take it out of the
    vars, so that it is checked like any raw file and dbt reads it through RAW_INVOICES.
    Returns the file (None when the vars name none) and the other vars."""
    try:
        parsed = yaml.safe_load(extra_vars) if extra_vars else None
    except yaml.YAMLError:
        return None, extra_vars  # reported with the other vars
    if not isinstance(parsed, dict) or "raw_invoices" not in parsed:
        return None, extra_vars
    value = parsed.pop("raw_invoices") or None
    if isinstance(value, str):
        value = value.strip() or None
    return value, json.dumps(parsed, default=str) if parsed else None


def _build_vars(project: Path, extra_vars: str | None) -> dict:
    """The vars the build will run with, as the raw files' check needs them: the project's
    (dbt_project.yml) under --vars (an invalid --vars counts as none: the build reports it)."""
    try:
        declared = yaml.safe_load((project / "dbt_project.yml").read_text()).get("vars") or {}
    except (OSError, yaml.YAMLError, AttributeError):
        declared = {}
    try:
        parsed = yaml.safe_load(extra_vars) if extra_vars else None
    except yaml.YAMLError:
        parsed = None
    return {**declared, **(parsed if isinstance(parsed, dict) else {})}


def _build_and_publish(
    project: Path, target: Path, started: float, matching: str | None, extra_vars: str | None
) -> int:
    export_dir = publish.export_dir(target)
    try:
        publish.check_links(target, export_dir)
    except publish.PublishError as problem:
        return _error(str(problem))
    dbt_args = ["build", "--project-dir", str(project), "--profiles-dir", str(project)]
    # this warehouse's own dbt state: run results, compiled SQL and partial parsing of one
    # warehouse's builds never mix with another's
    target_path, log_path = publish.dbt_paths(target)
    dbt_args += ["--target-path", str(target_path), "--log-path", str(log_path)]
    variables: dict = {}
    if extra_vars:
        try:
            parsed = yaml.safe_load(extra_vars)
        except yaml.YAMLError as problem:
            return _error(f"--vars is not valid YAML: {str(problem).splitlines()[0]}")
        if not isinstance(parsed, dict):
            return _error("--vars must be a YAML mapping, e.g. '{rfm_as_of: 2011-12-09}'")
        variables.update(parsed)
    if matching:
        variables["cancellation_matching"] = matching
    if variables:
        dbt_args += ["--vars", json.dumps(variables, default=str)]

    # the build folder; its build file has a fixed plain name, so the database dbt names
    # after that file is a plain SQL identifier whatever the warehouse is called
    release = publish.building_folder(target)
    build_file = release / publish.BUILD_FILE_NAME
    configured_exports = os.environ.get("SEGMENTS_EXPORT_DIR")
    os.environ["SEGMENTS_BUILD_DB"] = str(build_file)
    os.environ["SEGMENTS_DB"] = str(target)
    os.environ["SEGMENTS_EXPORT_DIR"] = str(release / publish.EXPORTS)
    try:
        ok = run_dbt(dbt_args)
    except RawInputError as problem:  # raised while dbt loads the source
        shutil.rmtree(release, ignore_errors=True)
        return _error(str(problem))
    finally:
        os.environ.pop("SEGMENTS_BUILD_DB", None)
        os.environ.pop(CHECKED_STAMP_ENV, None)  # it vouches for this build's check only
        if configured_exports is None:
            os.environ.pop("SEGMENTS_EXPORT_DIR", None)
        else:
            os.environ["SEGMENTS_EXPORT_DIR"] = configured_exports
    if not ok:
        shutil.rmtree(release, ignore_errors=True)
        for problem in _failed_checks(target_path):
            print(f"error: {problem}", file=sys.stderr)
        published = (
            "the published warehouse is unchanged" if target.exists() else "nothing was published"
        )
        return _error(f"dbt build failed (see the messages above); {published}: {target}")
    _remove_database_leftovers(build_file)
    release = publish.seal(release)
    try:
        publish.publish(target, release, export_dir)
    except publish.PublishError as problem:
        shutil.rmtree(release, ignore_errors=True)
        return _error(f"{problem}; the published warehouse is unchanged")
    _note_old_exports(target, export_dir)
    _note_campaigns(target)
    if os.environ.get("RAW_INVOICES"):  # the shop's own files, not the embedded data
        _note_currency(target)
    print(f"published {target} ({time.monotonic() - started:.0f}s)")
    print(f"exports for marketing tools in {export_dir}")
    return 0


def _failed_checks(target_path: Path) -> list[str]:
    """The one-line messages of the project's own input checks among the failed nodes of the
    last dbt run (DuckDB error() in SQL, raise_compiler_error in Jinja), so the user reads
    what to fix without searching dbt's log."""
    try:
        results = json.loads((target_path / "run_results.json").read_text())["results"]
    except (OSError, ValueError, KeyError):
        return []
    problems = []
    for result in results:
        message = result.get("message") or ""
        if result.get("status") != "error":
            continue
        if "Invalid Input Error: " in message:
            problem = message.split("Invalid Input Error: ", 1)[1].strip().splitlines()[0]
        elif message.startswith("Compilation Error"):
            lines = [line.strip() for line in message.strip().splitlines()[1:] if line.strip()]
            node = result.get("unique_id", "").rsplit(".", 1)[-1]
            problem = f"{node}: {lines[0]}" if lines else message.splitlines()[0]
        else:
            continue
        if problem not in problems:
            problems.append(problem)
    return problems


def _note_campaigns(target: Path) -> None:
    """Say which declared campaigns name a segment this build does not have (a typo, or a
    segment the data no longer gives): they are kept, with status 'unknown segment'."""
    import duckdb

    try:
        with duckdb.connect(str(target), read_only=True) as connection:
            rows = connection.sql(
                "select campaign_key, target_segment from marts.campaign_results "
                "where status = 'unknown segment' and level = 'segment' "
                "group by all order by all"
            ).fetchall()
    except duckdb.Error:  # a build without the campaign marts (not on DuckDB, say)
        return
    for key, segment in rows:
        print(
            f"warning: campaign '{key}' targets '{segment}', which this build has no segment "
            "of; its results read 'unknown segment' (names: segment_overview.segment)"
        )


def _note_currency(target: Path) -> None:
    """Say when the shop's own files gave no currency, so its amounts are labelled GBP by
    default (the UCI data's currency): a USD shop would otherwise read pounds in silence."""
    import duckdb

    try:
        with duckdb.connect(str(target), read_only=True) as connection:
            rows = connection.sql("select currency_source from marts.shop_currency").fetchall()
    except duckdb.Error:
        return
    if rows and rows[0][0] == "default":
        print(
            "note: the files have no Currency column and var currency is unset: amounts are "
            "labelled GBP; set the shop's with --vars '{currency: USD}' (marts.shop_currency)"
        )


def _note_old_exports(target: Path, export_dir: Path) -> None:
    """Versions before the per-warehouse export folders wrote `exports/` beside the
    warehouse: say so once per build while such a folder is there, since a scheduled upload
    that still reads it would send a stale list."""
    old = target.parent / "exports"
    if old != export_dir and (old / "customer_segments.csv").exists():
        print(
            f"note: {old} holds exports written by an earlier version and is no longer "
            f"updated; this warehouse's exports are in {export_dir}"
        )


def _remove_database_leftovers(build_file: Path) -> None:
    """A closed DuckDB file leaves no write-ahead log; its spill folder may stay."""
    build_file.with_name(build_file.name + ".wal").unlink(missing_ok=True)
    shutil.rmtree(build_file.with_name(build_file.name + ".tmp"), ignore_errors=True)


def _lock_build(target: Path):
    """An open file holding an exclusive lock on building `target` (closing it releases
    the lock); None when another build holds it."""
    handle = open(target.parent / f".{target.name}.lock", "a")  # noqa: SIM115 - held on purpose
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows: no advisory locks, builds not guarded
        return handle
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.close()
        return None
    return handle


@contextmanager
def _after_killed_builds(target: Path):
    """Run under the build lock. A build killed outright (SIGKILL, the OOM killer, a power
    cut) runs no cleanup: remove what it left, and give DuckDB a spill folder of this
    warehouse's own inside SEGMENTS_TEMP_DIR, since DuckDB does not remove the spill files
    of a process that died (its own are removed when it closes, this folder afterwards)."""
    _remove_leftovers(target)
    configured = os.environ.get("SEGMENTS_TEMP_DIR")
    spill = _spill_dir(target, configured) if configured else None
    if spill is not None:
        shutil.rmtree(spill, ignore_errors=True)
        spill.mkdir(parents=True, exist_ok=True)
        os.environ["SEGMENTS_TEMP_DIR"] = str(spill)
    try:
        yield
    finally:
        if spill is not None:
            shutil.rmtree(spill, ignore_errors=True)
            os.environ["SEGMENTS_TEMP_DIR"] = configured


def _remove_leftovers(target: Path) -> None:
    """Remove every private file of an earlier build of `target`: a killed build's release
    folder and, from builds of earlier versions, private build files and staged exports.
    Never the published warehouse, its exports, the release before it or the lock file."""
    publish.prune(target)
    name = glob.escape(target.name)
    for pattern in (f".{name}.build*", f".{name}.exports.build*"):
        for path in target.parent.glob(pattern):
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)


def _spill_dir(target: Path, temp_dir: str) -> Path:
    """DuckDB's spill folder in SEGMENTS_TEMP_DIR for builds of `target`: one per warehouse,
    so clearing it never touches another build's files."""
    key = hashlib.sha256(str(target).encode()).hexdigest()[:12]
    return Path(temp_dir).expanduser().resolve() / f".segments-{key}.build.tmp"


def _parser() -> argparse.ArgumentParser:
    """The `segments` command line: build, report, generate."""
    parser = argparse.ArgumentParser(prog="segments", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)

    build_cmd = commands.add_parser("build", help="dbt build and publish the warehouse")
    build_cmd.add_argument(
        "--raw",
        nargs="+",
        help="raw invoice files (.parquet, .csv, .xlsx) or folders of them, read as one "
        "history; default: $RAW_INVOICES, else the embedded synthetic data",
    )
    build_cmd.add_argument(
        "--columns",
        help="YAML file mapping the canonical columns to the file's headers, one "
        "'Canonical: File header' a line (see docs/input.md, 'Column mappings')",
    )
    build_cmd.add_argument(
        "--db",
        help="warehouse to publish; default: $SEGMENTS_DB, else "
        "warehouse/segments.duckdb in the project",
    )
    build_cmd.add_argument(
        "--matching",
        choices=["allocate", "reference"],
        help="cancellation matching mode (default: allocate)",
    )
    build_cmd.add_argument(
        "--campaigns",
        help="CSV file declaring the campaigns to hold out control groups for and measure "
        "(docs/methods/campaigns.md); default: the seed seeds/campaigns.csv",
    )
    build_cmd.add_argument("--vars", help="more dbt vars, as YAML, e.g. '{rfm_as_of: 2011-12-09}'")

    report_cmd = commands.add_parser("report", help="render the HTML report of the warehouse")
    report_cmd.add_argument(
        "--db",
        help="warehouse; default: $SEGMENTS_DB, else warehouse/segments.duckdb in the project",
    )
    report_cmd.add_argument(
        "--out", help="HTML file; default: report/<warehouse name>_report.html beside it"
    )

    generate_cmd = commands.add_parser("generate", help="write synthetic raw invoice lines")
    generate_cmd.add_argument("--customers", type=int, default=synthetic.DEFAULT_CUSTOMERS)
    generate_cmd.add_argument("--seed", type=int, default=synthetic.DEFAULT_SEED)
    generate_cmd.add_argument(
        "--out", required=True, help="output file: .parquet (uci), .csv (shop layouts)"
    )
    generate_cmd.add_argument(
        "--layout",
        choices=synthetic_shops.LAYOUTS,
        default="uci",
        help="uci: Online Retail lines (default); shopify: Shopify's orders export; "
        "line-amount: line amounts and profit (Superstore's layout); the shop layouts "
        "write their planted truth beside the export (<name>_truth.json)",
    )
    generate_cmd.add_argument(
        "--campaign",
        metavar="KEY:START:FACTOR[:CONTROL_SHARE[:WINDOW_DAYS]]",
        help="plant a campaign's effect (python -m retail_segments.synthetic --help)",
    )
    generate_cmd.add_argument(
        "--one-off-share",
        type=float,
        metavar="SHARE",
        help="a marketplace-like shop: this share of the customers (e.g. 0.9) buy once "
        "(uci layout)",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "build":
        return build(args.raw, args.db, args.matching, args.vars, args.columns, args.campaigns)
    if args.command == "report":
        from . import report

        db = warehouse_path(project_dir(), args.db)
        # one report per warehouse: report/<warehouse name>_report.html beside it
        default_out = db.parent / "report" / f"{db.stem}_report.html"
        out = Path(args.out).resolve() if args.out else default_out
        return report.main(db, out)
    if args.command == "generate" and args.layout != "uci":
        if args.campaign or args.one_off_share is not None:
            return _error("--campaign and --one-off-share plant into the uci layout only")
        export, truth = synthetic_shops.generate(args.out, args.layout, args.customers, args.seed)
        print(f"wrote {export} and {truth}")
        return 0
    if args.command == "generate":
        planted = ["--campaign", args.campaign] if args.campaign else []
        if args.one_off_share is not None:
            planted += ["--one-off-share", str(args.one_off_share)]
        return synthetic.main(
            ["--customers", str(args.customers), "--seed", str(args.seed), "--out", args.out]
            + planted
        )
    return 2


if __name__ == "__main__":
    sys.exit(main())
