"""Section "Data quality" of the report."""

from __future__ import annotations

from .. import report_format as fmt
from .common import Col, _table
from .page import ReportPage


class DataQualitySection(ReportPage):
    ANCHOR = "data-quality"
    TITLE = "Data quality"
    BUILD = "section_data_quality"
    # the marts this section reads
    MARTS = frozenset(
        {
            "data_quality_audit",
            "data_quality_removed_codes",
        }
    )

    def audit(self) -> str:
        data = self.w.df(
            "data_quality_audit", "select * from marts.data_quality_audit order by step"
        )
        first, last = data.iloc[0], data.iloc[-1]
        text = (
            f'<p class="bottom-line">{fmt.count(first["rows_in"])} raw lines; '
            f"{fmt.count(last['rows_out'])} kept "
            f"({fmt.percent(last['rows_out'] / first['rows_in'] if first['rows_in'] else None)})"
            " after the cleaning rules below, in this order.</p>"
        )
        columns = [
            Col("Step", lambda r: fmt.count(r["step"]), True),
            Col("Rule", lambda r: r["rule_name"].replace("_", " ")),
            Col("Lines in", lambda r: fmt.count(r["rows_in"]), True),
            Col("Removed", lambda r: fmt.count(r["rows_removed"]), True),
            Col("Lines out", lambda r: fmt.count(r["rows_out"]), True),
            Col("Why", lambda r: r["reason"]),
        ]
        return text + _table(data, columns)

    def removed_codes(self) -> str:
        data = self.w.df(
            "data_quality_removed_codes",
            "select * from marts.data_quality_removed_codes order by lines desc",
        )
        columns = [
            Col("Stock code", lambda r: r["stock_code"]),
            Col("Description in the file", lambda r: r["description_in_file"]),
            Col("Lines removed", lambda r: fmt.count(r["lines"]), True),
            Col("Why", lambda r: r["reason"]),
        ]
        return "<h3>Stock codes that are not products</h3>" + _table(data, columns)

    def section_data_quality(self) -> str:
        return self.part(self.audit) + self.part(self.removed_codes)
