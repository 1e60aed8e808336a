"""Bad raw files. A seeded fuzz test writes a few hundred corrupted
Parquet, CSV and XLSX files from one small valid file; every one must end either in a
successful check or in one line `RawInputError` that starts with the file's name — never
in another exception. A handful go through the real `segments build`: one `error:` line
on stderr, exit code 2, no trace, nothing published."""

from __future__ import annotations

import collections
import random
import re
from pathlib import Path

import pandas as pd
from conftest import run_segments, write_raw
from retail_segments.raw import RawInputError, read_raw_invoices
from retail_segments.raw.readers import RawInvoiceReader
from samples import COLUMNS, REQUIRED_VALUES

SEED = 20261128

# what replaces one cell of a text file (CSV, XLSX, Parquet written as text)
JUNK = [
    "",
    "   ",
    "6.5",
    "-0.5",
    "0.0001",
    "1e3",
    "six",
    "NaN",
    "nan",
    "inf",
    "-inf",
    "infinity",
    "1e30",
    "99999999999999999999999",
    "12345678901",
    "-1000000001",
    "1000000000",
    "1,5",
    "١٢",
    "½",
    "+3",
    "007",
    "6.",
    "6.000",
    "-2.55",
    "2101-01-01 00:00:00",
    "1989-12-31 23:59:59",
    "1990-01-01 00:00:00",
    "2100-12-31 23:59:59",
    "0001-01-01",
    "12/01/2010 08:26",
    "yesterday",
    "'",
    '"',
    ",",
    ";",
    "a\nb",
    "ü€漢",
    "-",
    "null",
    "NULL",
    "true",
]
CONTROL_JUNK = ["\x00", "\t7\t", "\x1b[31m"]  # not written to XLSX (illegal there)

WHOLE = re.compile(r"[+-]?[0-9]+(\.0*)?")
DECIMAL = re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?")
LIMIT = 1_000_000_000
NUMBERS_AND_DATES = {"Quantity", "UnitPrice", "InvoiceDate"}


def expected(column: str, value: str) -> str:
    """'ok', 'error' or 'either' for one text cell replaced by `value` in a valid file
    whose dates are ISO."""
    if any(c in value for c in "\x00\t\x1b"):
        return "either"  # what a reader makes of control characters is its business
    text = value.strip(" ")
    if column in REQUIRED_VALUES and text == "":
        return "error"
    if column == "Quantity":
        return "ok" if WHOLE.fullmatch(text) and abs(int(float(text))) <= LIMIT else "error"
    if column == "UnitPrice":
        if DECIMAL.fullmatch(text):
            return "ok" if abs(float(text)) <= LIMIT else "error"
        return "error"
    if column == "InvoiceDate":
        try:
            stamp = pd.Timestamp(text)
        except (ValueError, OverflowError):
            return "error"
        if not re.fullmatch(r"\d{4}-\d\d-\d\d( \d\d:\d\d:\d\d)?", text):
            return "error"
        return "ok" if pd.Timestamp("1990-01-01") <= stamp < pd.Timestamp("2101-01-01") else "error"
    return "ok"  # InvoiceNo, StockCode with a value; optional columns take anything


def _as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Every cell as text, dates ISO, customer ids as the UCI export writes them."""
    text = frame.astype(object).copy()
    text["InvoiceDate"] = frame.InvoiceDate.dt.strftime("%Y-%m-%d %H:%M:%S")
    for column in COLUMNS:
        text[column] = [None if pd.isna(v) else str(v) for v in text[column]]
    return text


def _outcome(path: Path) -> tuple[str, str]:
    """('ok', '') or ('error', message); any other exception is a failure of the loader."""
    reader = RawInvoiceReader(path)
    try:
        reader.check()
        return "ok", ""
    except RawInputError as problem:
        return "error", str(problem)
    finally:
        reader.close()


def _cases(fuzz_base: pd.DataFrame, folder: Path, rng: random.Random):
    """Yield (path, kind, expectation, must_mention, corruption) for every corrupted file;
    `corruption` tells apart the corruptions that are really different (None: not one to
    count)."""
    text = _as_text(fuzz_base)
    valid = {
        ext: write_raw(fuzz_base, folder / f"valid{ext}") for ext in (".parquet", ".csv", ".xlsx")
    }
    valid[".text.parquet"] = write_raw(text, folder / "valid_text.parquet")
    number = iter(range(10_000))

    def name(kind: str, ext: str) -> Path:
        return folder / f"{next(number):03d}_{kind}{ext}"

    # 1. one text cell replaced by junk: every value in every checked column, in every
    #    format (Parquet: a text column), at a seeded line; a few in the free-text columns
    checked = ["Quantity", "UnitPrice", "InvoiceDate", "InvoiceNo", "StockCode"]
    for ext in (".csv", ".xlsx", ".parquet"):
        values = JUNK + ([] if ext == ".xlsx" else CONTROL_JUNK)
        pairs = [(column, value) for column in checked for value in values]
        pairs += [(column, rng.choice(values)) for column in COLUMNS if column not in checked]
        for column, value in pairs:
            row = rng.randrange(len(text))
            frame = text.copy()
            frame.loc[row, column] = value
            want = expected(column, value)
            mention = [f"column {column}", f"line {row + 1}"] if want == "error" else []
            path = write_raw(frame, name("cell", ext))
            yield path, f"cell{ext}", want, mention, (ext, column, value, row)

    # 2. typed Parquet and XLSX cells: fractional, huge, non-finite, missing, old and late
    typed_junk = [
        ("Quantity", 6.5, "error"),
        ("Quantity", 6.0, "ok"),
        ("Quantity", 1e12, "error"),
        ("Quantity", float("inf"), "error"),
        ("Quantity", None, "error"),
        ("UnitPrice", float("inf"), "error"),
        ("UnitPrice", -2e9, "error"),
        ("UnitPrice", -1.5, "ok"),
        ("UnitPrice", None, "error"),
        ("InvoiceDate", pd.Timestamp("1985-06-01"), "error"),
        ("InvoiceDate", pd.Timestamp("2150-01-01"), "error"),
        ("InvoiceDate", None, "error"),
        ("InvoiceNo", None, "error"),
        ("StockCode", None, "ok"),  # a sale without a SKU (its code made from its name)
        ("CustomerID", None, "ok"),
        ("Description", None, "ok"),
    ]
    for ext in (".parquet", ".xlsx"):
        for column, value, want in typed_junk:
            row = rng.randrange(len(fuzz_base))
            frame = fuzz_base.copy()
            if column == "Quantity":
                frame["Quantity"] = frame.Quantity.astype(float)
            frame.loc[row, column] = value
            mention = [f"column {column}", f"line {row + 1}"] if want == "error" else []
            path = write_raw(frame, name("typed", ext))
            yield path, f"typed{ext}", want, mention, (ext, column, value, row)

    # 3. damaged bytes: flips, truncation, random junk, zero bytes
    for ext in (".parquet", ".csv", ".xlsx", ".text.parquet"):
        data = valid[ext].read_bytes()
        suffix = ".parquet" if ext == ".text.parquet" else ext
        for _ in range(8):
            damaged = bytearray(data)
            for _ in range(rng.randint(1, 24)):
                damaged[rng.randrange(len(damaged))] = rng.randrange(256)
            path = name("flip", suffix)
            path.write_bytes(bytes(damaged))
            yield path, f"flip{suffix}", "either", [], None
        for _ in range(5):
            path = name("truncated", suffix)
            path.write_bytes(data[: rng.randrange(1, len(data) - 1)])
            # without its footer (Parquet) or central directory (zip) a file cannot be read
            want = "either" if suffix == ".csv" else "error"
            yield path, f"truncated{suffix}", want, [], (suffix, "truncated", path.stat().st_size)
    for ext in (".parquet", ".csv", ".xlsx"):
        for _ in range(3):
            path = name("junk", ext)
            path.write_bytes(bytes(rng.randrange(256) for _ in range(rng.randint(1, 5000))))
            yield path, f"binary_junk{ext}", "error", [], (ext, "junk", path.read_bytes())
        path = name("zero", ext)
        path.write_bytes(b"")
        yield path, f"zero_bytes{ext}", "error", ["the file is empty"], (ext, "zero")
    for content in (b"InvoiceNo,StockCode\n1,2\n", b"PK\x03\x04 not really a zip"):
        path = name("not_zip", ".xlsx")
        path.write_bytes(content)
        yield path, "not_zip.xlsx", "error", [], ("not_zip", content)

    # 4. CSV lines with missing or extra fields, broken quotes, lost or repeated headers
    lines = valid[".csv"].read_text().splitlines()
    plain = [i for i, line in enumerate(lines) if i > 0 and '"' not in line]
    for _ in range(24):
        kind = rng.choice(
            ["extra_field", "missing_field", "open_quote", "no_header", "header_again"]
        )
        changed = list(lines)
        i = rng.choice(plain)
        mention = []
        if kind == "extra_field":
            changed[i] += ",surplus"
            mention = [f"line {i + 1} of the file has 9 fields"]
        elif kind == "missing_field":
            fields = changed[i].split(",")
            del fields[rng.randrange(1, len(fields))]
            changed[i] = ",".join(fields)
            mention = [f"line {i + 1} of the file has 7 fields"]
        elif kind == "open_quote":
            changed[i] = changed[i].replace(",", ',"', 1)
        elif kind == "no_header":
            changed = changed[1:]
        else:
            changed.insert(i, lines[0])
        path = name(kind, ".csv")
        path.write_text("\n".join(changed) + "\n")
        yield path, f"{kind}.csv", "error", mention, (kind, "\n".join(changed))
    for kind, content in (
        ("crlf", "\r\n".join(lines) + "\r\n"),
        ("bom", "\ufeff" + "\n".join(lines) + "\n"),
        ("blank_lines", "\n".join(lines[:5] + [""] + lines[5:]) + "\n\n"),
    ):
        path = name(kind, ".csv")
        path.write_text(content)
        yield path, f"{kind}.csv", "either", [], None

    # 5. a workbook whose second sheet has other columns
    for _ in range(2):
        path = name("sheets", ".xlsx")
        with pd.ExcelWriter(path) as writer:
            fuzz_base.to_excel(writer, sheet_name="2010", index=False)
            fuzz_base.drop(columns=[rng.choice(COLUMNS)]).to_excel(
                writer, sheet_name="2011", index=False
            )
        yield path, "other_sheet.xlsx", "error", ["other columns"], None


def _loaded_value(path: Path, column: str, row: int):
    """The value the loader made of one cell (a file that checked clean)."""
    return read_raw_invoices(path).to_pandas()[column].iloc[row]


def test_fuzzed_files_end_in_one_clear_line_or_a_clean_check(fuzz_base, tmp_path):
    rng = random.Random(SEED)
    failures, tally = [], collections.Counter()
    refused, loaded = {}, []
    for path, kind, want, mention, corruption in _cases(fuzz_base, tmp_path, rng):
        try:
            got, message = _outcome(path)
        except Exception as unexpected:  # noqa: BLE001 - the point of the test
            failures.append(f"{path.name} ({kind}): {type(unexpected).__name__}: {unexpected}")
            continue
        tally[kind, got] += 1
        if got == "error":
            if "\n" in message or "\r" in message or not message.startswith(f"{path.name}: "):
                failures.append(f"{path.name} ({kind}): not one line naming the file: {message!r}")
            if len(message) > 400:
                failures.append(f"{path.name} ({kind}): message too long: {message!r}")
        if want != "either" and got != want:
            failures.append(f"{path.name} ({kind}): expected {want}, got {got}: {message!r}")
        elif got == "error" and not all(m in message for m in mention):
            failures.append(f"{path.name} ({kind}): {message!r} does not mention {mention}")
        if want == "error" and got == "error" and corruption is not None:
            refused[repr(corruption)] = (path, message)
        if want == "ok" and kind.startswith("cell") and corruption[1] in NUMBERS_AND_DATES:
            loaded.append((path, corruption))
    print(sorted(tally.items()))
    files = sum(tally.values()) + len(failures)
    assert not failures, f"{len(failures)} of {files} files:\n" + "\n".join(failures)
    # distinct corruptions that must be and were refused (not files: a corruption written
    # twice counts once)
    assert len(refused) >= 200, len(refused)
    assert sum(n for (_, got), n in tally.items() if got == "ok") > 20

    # values meant to load load as the numbers and dates they spell
    for path, (_, column, value, row) in loaded:
        got = _loaded_value(path, column, row)
        text = value.strip(" ")
        if column == "InvoiceDate":
            assert pd.Timestamp(got) == pd.Timestamp(text), (path.name, value, got)
        else:
            assert float(got) == float(text), (path.name, column, value, got)
    spelled = {(c, v) for _, (_, c, v, _) in loaded}
    assert {("Quantity", "+3"), ("Quantity", "007"), ("Quantity", "6.")} <= spelled

    # a seeded sample of the refused files through the command: the checker's line, exit 2,
    # nothing published
    for key in random.Random(SEED).sample(sorted(refused), 6):
        path, message = refused[key]
        db = tmp_path / "published" / "shop.duckdb"
        result = run_segments("build", "--db", str(db), "--raw", str(path), cwd=tmp_path)
        assert result.returncode == 2, result.stdout[-2000:] + result.stderr[-2000:]
        assert result.stderr.strip() == f"error: {message}"
        assert "Traceback" not in result.stdout + result.stderr
        assert not db.parent.exists() or not list(db.parent.iterdir())


def _bad_files(fuzz_base: pd.DataFrame, folder: Path) -> list[tuple[str, Path, str]]:
    """(how the file is named: --raw or --vars, file, the start of the stderr line)."""
    text = _as_text(fuzz_base)
    fractional = text.copy()
    fractional.loc[6, "Quantity"] = "6.5"
    csv = write_raw(fractional, folder / "fractional quantity.csv")
    empty = fuzz_base.astype({"Quantity": object}).copy()
    empty.loc[11, "Quantity"] = None
    xlsx = write_raw(empty, folder / "empty-quantity.xlsx")
    parquet = write_raw(fuzz_base, folder / "truncated.parquet")
    parquet.write_bytes(parquet.read_bytes()[:-200])
    extra = folder / "extra field.csv"
    lines = write_raw(text, folder / "ok.csv").read_text().splitlines()
    lines[3] += ",surplus"
    extra.write_text("\n".join(lines) + "\n")
    old = fuzz_base.copy()
    old.loc[20, "InvoiceDate"] = pd.Timestamp("1989-12-31 23:59")
    dated = write_raw(old, folder / "old dates.parquet")
    return [
        (
            "--raw",
            csv,
            "error: fractional quantity.csv: column Quantity has 1 values that are not "
            "whole numbers, e.g. '6.5' on line 7",
        ),
        (
            "--raw",
            xlsx,
            "error: empty-quantity.xlsx: column Quantity is empty on 1 lines, e.g. line 12",
        ),
        ("--raw", parquet, "error: truncated.parquet: cannot be read as parquet: "),
        (
            "--raw",
            extra,
            "error: extra field.csv: line 4 of the file has 9 fields where the header has 8",
        ),
        (
            "--vars",
            dated,
            "error: old dates.parquet: column InvoiceDate has 1 dates outside "
            "1990-01-01..2100-12-31, e.g. '1989-12-31 23:59:00' on line 21",
        ),
    ]


def test_segments_build_refuses_bad_files_in_one_line_and_publishes_nothing(fuzz_base, tmp_path):
    for how, raw, line in _bad_files(fuzz_base, tmp_path):
        db = tmp_path / "published" / "shop.duckdb"
        # a raw file named in --vars is checked like one named by --raw
        args = ["--raw", str(raw)] if how == "--raw" else ["--vars", f"{{raw_invoices: '{raw}'}}"]
        result = run_segments("build", "--db", str(db), *args, cwd=tmp_path)
        assert result.returncode == 2, result.stdout[-2000:] + result.stderr[-2000:]
        errors = [e for e in result.stderr.splitlines() if e.strip()]
        assert len(errors) == 1, result.stderr
        assert errors[0].startswith(line), errors[0]
        assert "Traceback" not in result.stdout + result.stderr
        assert not db.exists()
        assert not db.parent.exists() or not list(db.parent.iterdir())
