"""Each file format as the view `input` of a DuckDB connection, its columns as written plus
`source_row_number` (the line's 1-based position in the file): Parquet read in place, CSV
in UTF-8 or ISO-8859-1 with the delimiter its header shows, every sheet of a workbook."""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb
import pyarrow as pa

from .. import raw_schema
from .errors import RawInputError, csv_problem, first_line, show
from .options import key
from .sql import lit, q


def parquet_input(path: str) -> str:
    """The view `input` of a Parquet file as SQL that any DuckDB connection can run on the
    file itself."""
    # the reader's own row index numbers lines in file order, in parallel
    return (
        f"select * exclude (file_row_number), "
        f"file_row_number + 1 as source_row_number "
        f"from read_parquet({lit(path)}, file_row_number = true)"
    )


def register_csv(
    conn: duckdb.DuckDBPyConnection, path: Path, plain: str, mapped: tuple[str, ...] = ()
) -> str:
    """Read a CSV with the dialect its header shows, strictly: DuckDB's sniffer, shown a
    line with a field too many, settles for one column and reads the file as nonsense;
    told the columns, it names the line. `plain`: the path DuckDB reads (the file, or
    a link to it where its path holds glob characters); `mapped`: the headers the column
    mapping names. Returns the delimiter."""
    delimiter, names = _csv_header(path, mapped)
    columns = "{" + ", ".join(f"{lit(name)}: 'VARCHAR'" for name in names) + "}"
    errors = []
    for encoding in ("utf-8", "latin-1"):
        try:
            conn.execute(
                f"create view input as select *, row_number() over () as source_row_number "
                f"from read_csv({lit(plain)}, columns = {columns}, header = true, "
                f"auto_detect = false, delim = {lit(delimiter)}, quote = '\"', "
                f"escape = '\"', strict_mode = true, encoding = {lit(encoding)})"
            )
            # a wrong encoding or a broken line may show anywhere: read it all once,
            # every column (DuckDB checks the encoding of the values it reads)
            every = ", ".join(f"count({q(name)})" for name in names)
            conn.sql(f"select count(*), {every} from input").fetchall()
            return delimiter
        except duckdb.Error as error:
            conn.execute("drop view if exists input")
            errors.append(error)
            if not _is_encoding_error(error):
                break
    # a broken line says more than a failed guess of the encoding
    error = next((e for e in errors if not _is_encoding_error(e)), errors[0])
    raise RawInputError(f"{path.name}: {csv_problem(error)}")


def _csv_header(path: Path, mapped: tuple[str, ...] = ()) -> tuple[str, list[str]]:
    """The delimiter (',', ';', tab or '|': the one that finds the most known column names
    (declared aliases and `mapped` headers) in the first line, then the most fields) and
    the column names, made unique."""
    with open(path, "rb") as handle:
        head = handle.read(1 << 20)
    first = head.split(b"\n", 1)[0].rstrip(b"\r")
    try:
        line = first.decode("utf-8")
    except UnicodeDecodeError:
        line = first.decode("latin-1")
    line = line.removeprefix("\ufeff")
    if not line.strip():
        raise RawInputError(f"{path.name}: the first line (the header) is empty")
    known = {key(alias) for column in raw_schema.columns() for alias in column.aliases}
    known |= {key(header) for header in mapped}
    best = None
    for delimiter in (",", ";", "\t", "|"):
        try:
            names = next(csv.reader([line], delimiter=delimiter), [])
        except csv.Error:
            names = line.split(delimiter)
        score = (sum(key(name) in known for name in names), len(names))
        if best is None or score > best[0]:
            best = (score, delimiter, names)
    _, delimiter, names = best
    unique: list[str] = []
    for index, name in enumerate(names):
        name = name.strip() or f"column{index + 1}"
        while name in unique:
            name += "_"
        unique.append(name)
    return delimiter, unique


def _is_encoding_error(error: BaseException) -> bool:
    text = str(error).lower()
    return "unicode" in text or "encoded" in text or "encoding" in text


def register_xlsx(conn: duckdb.DuckDBPyConnection, path: Path) -> pa.Table:
    """Read every sheet of a workbook (sheets with the same columns) as one table; returns
    the Arrow table the view reads (the caller keeps it alive)."""
    import pandas as pd

    try:
        sheets = _read_workbook(path)
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as error:  # noqa: BLE001 - calamine reports some damage as a Rust panic
        raise RawInputError(
            f"{path.name}: cannot be read as an Excel workbook (xlsx): {first_line(error)}"
        ) from None
    frames = [frame for frame in sheets.values() if len(frame.columns) > 0]
    if not frames:
        raise RawInputError(f"{path.name}: the workbook has no data")
    columns = [str(c) for c in frames[0].columns]
    for name, frame in zip(sheets, frames, strict=False):
        if [str(c) for c in frame.columns] != columns:
            raise RawInputError(
                f"{path.name}: sheet '{show(name)}' has other columns than the first sheet"
            )
    if len(set(columns)) != len(columns):
        raise RawInputError(f"{path.name}: the header names a column twice")
    table = _cells_typed(pd.concat(frames, ignore_index=True))
    conn.register("xlsx_input", table)
    conn.execute(
        "create view input as select *, row_number() over () as source_row_number from xlsx_input"
    )
    return table


def _cells_typed(table) -> pa.Table:
    """Excel cells arrive as Python objects: type them the way a CSV is typed (text),
    except real datetimes, which keep their type."""
    import pandas as pd

    arrays = {}
    for column in table.columns:
        values = table[column]
        if pd.api.types.is_datetime64_any_dtype(values) or (
            values.map(lambda v: isinstance(v, pd.Timestamp)).any()
            and values.dropna().map(lambda v: isinstance(v, pd.Timestamp)).all()
        ):
            arrays[str(column)] = pa.array(pd.to_datetime(values), pa.timestamp("us"))
        else:
            arrays[str(column)] = pa.array(
                [None if _is_missing(v) else _excel_text(v) for v in values], pa.string()
            )
    return pa.table(arrays)


def _read_workbook(path: Path) -> dict:
    """Every sheet of a workbook, cells as Python objects. Only an empty cell is missing:
    text such as 'NA', 'null' or 'nan' is text, as in a CSV (pandas would read it as
    missing by default)."""
    import pandas as pd

    options = {"sheet_name": None, "dtype": object, "keep_default_na": False, "na_values": [""]}
    try:
        return pd.read_excel(path, engine="calamine", **options)
    except ImportError:  # pragma: no cover - calamine is a declared dependency
        return pd.read_excel(path, **options)


def _is_missing(value) -> bool:
    return value is None or (isinstance(value, float) and value != value)


def _excel_text(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value)) if abs(value) < 1e15 else repr(value)
    return str(value)
