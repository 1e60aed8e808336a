"""The page: what every section builds on, the style and the template."""

from __future__ import annotations

import base64
import io
from collections.abc import Callable, Sequence
from pathlib import Path

import duckdb
import matplotlib.pyplot as plt

from .. import report_format as fmt
from .common import (
    _png_size,
    esc,
)
from .warehouse import EmptyMart, MissingMart, Warehouse


class ReportPage:
    """What every section builds on: the warehouse, chart and note helpers, segment colours."""

    # the marts the page itself reads (the currency, segment colours, the lead sentence)
    MARTS = frozenset(
        {
            "fct_invoices",
            "rfm_segment_summary",
            "segment_profiles",
            "shop_currency",
        }
    )
    # (anchor, title) of every section, in page order (set by the assembled Report)
    sections: tuple[tuple[str, str], ...] = ()

    def __init__(self, warehouse: Warehouse, db: Path):
        self.w = warehouse
        self.db = db
        self.charts = 0
        self.gaps: list[str] = []  # what the current section could not show
        self.behavioural: dict[str, str] = {}
        self.rfm: dict[str, str] = {}
        # colours from the segment tables; a table of an older build leaves them grey
        try:
            if warehouse.has("segment_profiles"):
                names = warehouse.sql(
                    "select segment_name from marts.segment_profiles order by cluster_id"
                ).fetchall()
                self.behavioural = fmt.segment_colours(
                    [n for (n,) in names], fmt.BEHAVIOURAL_PALETTE
                )
            if warehouse.has("rfm_segment_summary"):
                names = warehouse.sql(
                    "select rfm_segment from marts.rfm_segment_summary order by segment_order"
                ).fetchall()
                self.rfm = fmt.segment_colours([n for (n,) in names], fmt.RFM_PALETTE)
        except duckdb.Error:
            pass

    # -- building blocks

    def part(self, build: Callable[[], str]) -> str:
        """One part of a section; a missing or empty mart becomes a note."""
        try:
            return build()
        except (MissingMart, EmptyMart) as gap:
            self.gaps.append(str(gap))
            return f'<p class="note">Not shown: {esc(gap)}.</p>'
        except Exception as problem:  # noqa: BLE001 - e.g. a mart of an older build: a note
            first_line = (str(problem).splitlines() or [type(problem).__name__])[0]
            reason = f"cannot read it ({first_line})"
            self.gaps.append(reason)
            return f'<p class="note">Not shown: {esc(reason)}.</p>'

    def figure(self, title: str, fig, segments: Sequence[str] = (), rfm: bool = False) -> str:
        """The chart as an embedded PNG with its title (and unit) as caption; a chart that
        shows `segments` names them and their colours on the image, for checking."""
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
        plt.close(fig)
        data = buffer.getvalue()
        width, height = _png_size(data)
        self.charts += 1
        marks = ""
        if len(segments):
            colours = ",".join(self.colour(name, rfm) for name in segments)
            marks = f' data-segments="{esc("|".join(segments))}" data-segment-colours="{colours}"'

        return (
            f'<figure><img alt="{esc(title)}" width="{width}" height="{height}"{marks} '
            f'src="data:image/png;base64,{base64.b64encode(data).decode()}">'
            f"<figcaption>{esc(title)}</figcaption></figure>"
        )

    def colour(self, name: str, rfm: bool = False) -> str:
        return (self.rfm if rfm else self.behavioural).get(name, fmt.OTHER_COLOUR)

    def swatch(self, name: str, rfm: bool = False) -> str:
        return (
            f'<span class="swatch" data-segment="{esc(name)}" '
            f'style="background:{self.colour(name, rfm)}"></span>'
        )

    # -- page top

    def lead(self) -> str:
        try:
            customers, revenue, first, last, once = self.w.df(
                "fct_invoices",
                "select count(distinct customer_id) as c, sum(revenue) as r, "
                "min(invoiced_at) as f, max(invoiced_at) as l, ("
                "  select count(*) from (select customer_id from marts.fct_invoices"
                "  where customer_id is not null group by customer_id having count(*) = 1)"
                ") as once from marts.fct_invoices",
            ).iloc[0]
        except (MissingMart, EmptyMart, duckdb.Error):
            return ""
        if not customers:
            return ""
        # how many never came back: in a shop where most buy once, the few who return are
        # where the segments and the value are, and the reader should know that first
        return (
            f"{fmt.count(customers)} customers bought {fmt.money_compact(revenue)} between "
            f"{fmt.day_label(first)} and {fmt.day_label(last)}; "
            f"{fmt.percent(once / customers)} of them once."
        )

    # -- 1. segments and what to do


STYLE = """
:root { --ink: #1f2328; --muted: #57606a; --line: #d8dee4; --soft: #f6f8fa; }
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; color: var(--ink); background: #fff;
  font: 16px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; }
main { max-width: 1180px; margin: 0 auto; padding: .9rem 1.25rem 3rem; }
h1 { font-size: 1.55rem; line-height: 1.2; margin: 0 0 .3rem; }
h2 { font-size: 1.3rem; border-bottom: 1px solid var(--line); padding-bottom: .2rem;
  margin: 2.2rem 0 .7rem; }
#segments h2 { margin-top: .6rem; }
h3 { font-size: 1.05rem; margin: 1.2rem 0 .4rem; }
p { margin: .4rem 0; }
a { color: #0b5cad; }
.lead { color: var(--muted); margin: 0 0 .2rem; }
.headlines { list-style: none; padding: 0; margin: .4rem 0 .5rem; }
.headlines li { margin: .3rem 0; }
.swatch { display: inline-block; width: .8em; height: .8em; border-radius: 2px;
  margin-right: .4em; vertical-align: -.05em; }
nav.toc { font-size: .85rem; margin: .4rem 0 .8rem; color: var(--muted); }
.cards { display: grid; gap: .8rem;
  grid-template-columns: repeat(auto-fit, minmax(min(100%, 250px), 1fr)); }
.card { border: 1px solid var(--line); border-top: 5px solid var(--seg); border-radius: 6px;
  padding: .5rem .75rem .6rem; font-size: .86rem; line-height: 1.35; }
.card h3 { margin: .1rem 0 .35rem; font-size: 1.05rem; }
.stats { display: grid; grid-template-columns: auto auto; gap: .05rem .6rem; margin: 0 0 .35rem; }
.stats dt { color: var(--muted); }
.stats dd { margin: 0; text-align: right; font-weight: 600; font-variant-numeric: tabular-nums; }
.card p { margin: .3rem 0; }
.typical { color: var(--muted); }
.note { color: #a00; font-style: italic; }
.note-plain { color: var(--muted); font-size: .88rem; }
.bottom-line { background: var(--soft); border-left: 4px solid #4e79a7; padding: .5rem .8rem;
  margin: .5rem 0 1rem; }
ul.bottom-line { list-style: none; }
ul.bottom-line li { margin: .25rem 0; }
.caption { color: var(--muted); font-size: .85rem; }
code { font-size: .85em; overflow-wrap: anywhere; }
details { margin: .8rem 0; }
summary { cursor: pointer; font-weight: 600; color: #0b5cad; }
figure { margin: 1rem 0; min-width: 0; }
figure img { display: block; max-width: 100%; height: auto; }
figcaption { font-size: .9rem; font-weight: 600; margin-top: .3rem; }
.figures { display: grid; gap: 1rem;
  grid-template-columns: repeat(auto-fit, minmax(min(100%, 500px), 1fr)); }
table { border-collapse: collapse; width: 100%; font-size: .84rem; margin: .3rem 0 1rem; }
table.narrow { width: auto; }
th, td { border-bottom: 1px solid var(--line); padding: .3rem .45rem; text-align: left;
  vertical-align: top; overflow-wrap: break-word; }
th { background: var(--soft); font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; overflow-wrap: normal; }
td.num { white-space: nowrap; }
footer { color: var(--muted); font-size: .8rem; margin-top: 3rem; }
@media (max-width: 700px) {
  main { padding: .7rem .8rem 2rem; }
  h1 { font-size: 1.3rem; }
  table.responsive, table.responsive tbody, table.responsive tr, table.responsive td {
    display: block; width: 100%; }
  table.responsive thead { display: none; }
  table.responsive tr { border: 1px solid var(--line); border-radius: 6px;
    margin: 0 0 .6rem; padding: .3rem .5rem; }
  table.responsive td { border: 0; padding: .12rem 0; display: flex; gap: .6rem;
    text-align: left; white-space: normal; }
  table.responsive td::before { content: attr(data-label); flex: 0 0 42%; color: var(--muted); }
  table.responsive td:empty { display: none; }
}
"""

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Customer segments: who your customers are and what to do</title>
<style>{style}</style></head>
<body data-charts="{charts}" data-sections="{sections}">
<main>
<h1>Customer segments: who your customers are and what to do</h1>
<p class="lead">{lead}</p>
{body}
<footer>Rendered {when} from the warehouse <code>{db}</code> by <code>segments report</code>.
Money in {currency}; CLV = forecast value over 12 months, discounted (net revenue, or gross
margin where the lifetime-value section says so).</footer>
</main>
<script>
window.addEventListener("load", function () {{
  var images = document.querySelectorAll("img");
  var broken = 0;
  images.forEach(function (img) {{ if (!img.complete || img.naturalWidth === 0) broken++; }});
  document.body.setAttribute("data-images-loaded", String(images.length - broken));
  document.body.setAttribute("data-images-broken", String(broken));
}});
</script>
</body></html>
"""
