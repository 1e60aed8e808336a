"""What the Python models read from their refs, whatever the engine runs them.

dbt hands a Python model a DuckDB relation on dbt-duckdb and a Spark DataFrame where dbt
runs Python models on Spark (Databricks). The models only ever need a pandas frame of
some columns and rows, a distinct count, or a deterministic sample by a hash of a key;
these functions do that on either, so no model depends on the engine.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd


def _is_spark(relation) -> bool:
    return hasattr(relation, "toPandas") and hasattr(relation, "sparkSession")


def _is_duckdb(relation) -> bool:
    return hasattr(relation, "project") and hasattr(relation, "df")


def _check(relation) -> None:
    if not (_is_spark(relation) or _is_duckdb(relation)):
        raise TypeError(
            f"expected a DuckDB relation or a Spark DataFrame, got {type(relation).__name__}"
        )


def filtered(relation, where: str | None):
    """The rows where the SQL condition `where` holds (the same text on both engines)."""
    _check(relation)
    return relation if not where else relation.filter(where)


def to_pandas(relation, columns: Sequence[str] | None = None, where: str | None = None):
    """The relation's rows (those where `where` holds), its `columns` (default all), as
    pandas, typed as DuckDB's `.df()` types them: Spark's dates and decimals become
    datetime64 and float64, so a model gets the same frame from either engine."""
    relation = filtered(relation, where)
    if _is_duckdb(relation):
        if columns:
            relation = relation.project(", ".join(columns))
        return relation.df()
    if columns:
        relation = relation.select(*columns)
    types = dict(relation.dtypes)
    frame = relation.toPandas()
    for name, spark_type in types.items():
        if spark_type == "date":
            frame[name] = pd.to_datetime(frame[name]).astype("datetime64[us]")
        elif spark_type.startswith("decimal"):
            frame[name] = frame[name].astype("float64")
    return frame


def count_distinct(relation, column: str) -> int:
    """How many distinct non-null values `column` holds."""
    _check(relation)
    if _is_duckdb(relation):
        return int(relation.aggregate(f"count(distinct {column})").fetchall()[0][0])
    return int(relation.where(f"{column} is not null").select(column).distinct().count())


def sample_by_key(relation, key: str, wanted: int, of: int, salt: str):
    """A deterministic sample of about `wanted` of the `of` values of `key`, with all their
    rows: a value is kept when a hash of it (salted) falls below wanted / of. The hash is the
    engine's own, so the two engines keep different (equally random) values."""
    _check(relation)
    keep = int(1_000_000 * wanted / of)
    if _is_duckdb(relation):
        return relation.filter(f"hash({key} || '{salt}') % 1000000 < {keep}")
    return relation.filter(f"pmod(hash(concat({key}, '{salt}')), 1000000) < {keep}")


def maximum(relation, column: str):
    """The largest value of `column` (None for no rows)."""
    _check(relation)
    if _is_duckdb(relation):
        return relation.aggregate(f"max({column})").fetchall()[0][0]
    return relation.selectExpr(f"max({column})").collect()[0][0]
