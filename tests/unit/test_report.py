"""The report's number and money formats (and the SQL macros that write the same numbers in
the warehouse), its segment colours, and the verdict unit tests reading the verdict seed as it
is (retail_segments.report_format, retail_segments.report)."""

from __future__ import annotations

from conftest import PROJECT
from retail_segments import report_format as fmt
from samples import number_problems


def test_number_formats():
    assert fmt.count(1698.0) == "1,698" and fmt.count(None) == fmt.DASH
    assert fmt.days(20.0) == "20" and fmt.plural(1.0, "order") == "1 order"
    assert fmt.money(1698.0, "£") == "£1,698" and fmt.money(4.95, "£") == "£4.95"
    assert fmt.money(-12.4, "£") == "−£12"
    assert fmt.money_compact(6_288_216.69, "£") == "£6.3m"
    assert fmt.money_compact(334_936, "£") == "£335k" and fmt.money_compact(950, "£") == "£950"
    # rounded first, then moved up a unit
    assert fmt.money_compact(999.6, "£") == "£1k" and fmt.money_compact(999_999, "£") == "£1m"
    assert fmt.money_compact(99_960, "£") == "£100k" and fmt.money_compact(0, "£") == "£0"
    # never 100% for what is not all
    assert fmt.percent(0.9976) == ">99%" and fmt.percent(1) == "100%"
    assert fmt.percent(0.454) == "45%" and fmt.percent(0.0397) == "4.0%"
    assert fmt.percent(0.0004) == "<0.1%" and fmt.percent(0) == "0%"
    assert fmt.interval(0.5527, 0.5072, 0.5982) == "0.55 (0.51–0.60)"
    assert number_problems(["20.000 days", "45.400 %"])  # the old report's numbers
    assert number_problems(["1698.000"]) and number_problems(["revenue 12345"])
    assert number_problems(["45.40%"]) and number_problems(["1698 customers"])
    assert number_problems(["12345.67"]) and number_problems(["1,698.0000"])
    assert number_problems(["a share of 0.5000"]) and number_problems(["lift 2.3456"])
    assert number_problems(["a/(a+b) = 0.0005 per purchase"]) == []
    assert number_problems(["2011 · 4,334 customers · 12 days · 4.1% · 0.55"]) == []


def test_money_is_written_in_the_shops_currency():
    try:
        fmt.use_currency("€")
        assert fmt.money(1698) == "€1,698" and fmt.money_compact(2_500_000) == "€2.5m"
        fmt.use_currency("CHF")  # a symbol of letters: a space before the amount
        assert fmt.money(1698) == "CHF 1,698"
    finally:
        fmt.use_currency("£")
    assert fmt.money(1698) == "£1,698"


def test_segment_colours_follow_the_segment_table():
    names = ["High-value loyal", "Lapsed regulars", "New buyers"]
    colours = fmt.segment_colours(names, fmt.BEHAVIOURAL_PALETTE)
    assert colours == dict(zip(names, fmt.BEHAVIOURAL_PALETTE[:3], strict=True))
    assert fmt.segment_colours(names, fmt.BEHAVIOURAL_PALETTE) == colours
    assert len(set(fmt.RFM_PALETTE)) == len(fmt.RFM_PALETTE) == 11
    assert fmt.OTHER_COLOUR not in fmt.RFM_PALETTE + fmt.BEHAVIOURAL_PALETTE


def test_verdict_unit_tests_use_the_seed_as_it_is():
    """The unit tests of segment_overview carry a copy of seeds/segment_verdict_rules.csv
    (dbt cannot load a seed's empty cells as nulls in a unit test); the copy must be the
    seed, or the tests would check rules nobody runs."""
    import csv

    import yaml

    seed = [
        {k: v for k, v in row.items() if v != ""}
        for row in csv.DictReader((PROJECT / "seeds" / "segment_verdict_rules.csv").open())
    ]
    spec = yaml.safe_load((PROJECT / "models/marts/segments/_segments__models.yml").read_text())
    copies = [
        given["rows"]
        for test in spec["unit_tests"]
        for given in test["given"]
        if given["input"] == "ref('segment_verdict_rules')"
    ]
    # follow the numbers, ignore an unidentified dropout, read the median customer as gone
    assert len(copies) == 3

    def typed(row):
        return {
            key: int(value)
            if key == "priority"
            else value
            if isinstance(value, str) and not key.endswith(("_below", "_least", "_most"))
            else float(value)
            for key, value in row.items()
        }

    for rows in copies:
        assert [typed(row) for row in rows] == [typed(row) for row in seed]


def test_sql_shares_and_counts_read_as_the_report_writes_them():
    """segment_overview's headline is written in SQL (macros/segments/formatting.sql); each
    number in it must read exactly as report_format writes it elsewhere on the page."""
    import duckdb
    import jinja2

    macros = (
        jinja2.Environment()
        .from_string((PROJECT / "macros" / "segments" / "formatting.sql").read_text())
        .module
    )
    shares = [
        0,
        1e-4,
        -1e-4,
        0.0004999,
        0.0005,
        0.003,
        0.0404,
        0.0995,
        0.09949,
        0.1,
        0.125,
        0.135,
        0.5,
        0.76,
        0.994,
        0.995,
        0.9999,
        1,
        -0.04,
        -0.5,
        None,
    ]
    counts = [0, 1, 2.5, 7, 50.5, 51.5, 999, 1000, 1211.4, 1211.5, 1234567]
    con = duckdb.connect()
    for macro, python, values in (
        (macros.format_share, fmt.percent, shares),
        (macros.format_count, fmt.count, counts),
    ):
        for value in values:
            (shown,) = con.sql(
                f"select {macro('x')} from (select cast(? as double) as x)", params=[value]
            ).fetchall()[0]
            assert shown == python(value), (macro, value)
