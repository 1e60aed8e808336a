"""A self-contained HTML report of the published warehouse, for the people who act on it.

    segments report [--db warehouse.duckdb] [--out report.html]

The first screen answers the business question: who the customers are, what each
behavioural segment is worth and what to do with it (the RFM segments one click away).
Then the evidence, one section each, skippable: how the segments were chosen, product
categories, what a new customer's first invoice tells, the lifetime-value check, the
campaigns measured against their control groups, movement between segments, exploration
charts and the data-quality audit.

One HTML file, charts embedded as PNG (matplotlib), nothing fetched from the network. Reads
the warehouse read-only, so it can run while BI tools have it open. A part whose mart is
missing or empty becomes a note, never a crash; one progress line per section.
Numbers and colours: `report_format` (money in the warehouse's currency, marts.shop_currency).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import duckdb

from .. import report_format as fmt
from .campaigns import CampaignsSection
from .categories import CategoriesSection
from .choice import ChoiceSection
from .clv import LifetimeValueSection
from .common import esc
from .data_quality import DataQualitySection
from .exploration import ExplorationSection
from .movement import MovementSection
from .new_customers import NewCustomersSection
from .page import PAGE, STYLE
from .segments import SegmentsSection
from .warehouse import EmptyMart, MissingMart, Warehouse

__all__ = ["EmptyMart", "MissingMart", "Report", "SECTION_CLASSES", "Warehouse", "main", "render"]

# the sections, in page order: each module declares its anchor, title, builder method and
# the marts it reads (MARTS; tests/integration/test_report.py holds them to what it reads)
SECTION_CLASSES = (
    SegmentsSection,
    ChoiceSection,
    CategoriesSection,
    NewCustomersSection,
    LifetimeValueSection,
    CampaignsSection,
    MovementSection,
    ExplorationSection,
    DataQualitySection,
)
SECTIONS = tuple((s.ANCHOR, s.TITLE) for s in SECTION_CLASSES)


class Report(*SECTION_CLASSES):
    """The whole report: every section on one page."""

    sections = SECTIONS


def render(db: Path, out: Path) -> tuple[int, int, dict[str, set[str]]]:
    """Write the report; returns (charts drawn, parts not shown, the marts read: per
    section anchor, and 'page' for the page's own reads)."""
    warehouse = Warehouse(db)
    warehouse.reading = set()
    fmt.use_currency(warehouse.currency_symbol())
    report = Report(warehouse, db)
    lead = report.lead()
    read = {"page": warehouse.reading}
    sections, gaps = [], 0
    for number, section in enumerate(SECTION_CLASSES, start=1):
        started = time.monotonic()
        report.gaps = []
        warehouse.reading = set()
        content = getattr(report, section.BUILD)()
        read[section.ANCHOR] = warehouse.reading
        sections.append(
            f'<section id="{section.ANCHOR}"><h2>{esc(section.TITLE)}</h2>\n{content}\n</section>'
        )
        gaps += len(report.gaps)
        status = f"ok ({time.monotonic() - started:.1f}s)"
        if report.gaps:
            status += "; not shown: " + "; ".join(dict.fromkeys(report.gaps))
        print(f"[{number}/{len(SECTION_CLASSES)}] {section.TITLE}: {status}", flush=True)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(
        PAGE.format(
            style=STYLE,
            charts=report.charts,
            sections=len(sections),
            lead=esc(lead),
            db=esc(db),
            currency=esc(fmt.currency()),
            when=time.strftime("%Y-%m-%d %H:%M"),
            body="\n".join(sections),
        ),
        encoding="utf-8",
    )
    return report.charts, gaps, read


def main(db: Path, out: Path) -> int:
    if not db.exists():
        print(f"error: warehouse not found: {db} (run `segments build` first)", file=sys.stderr)
        return 2
    started = time.monotonic()
    try:
        drawn, gaps, _ = render(db, out)
    except duckdb.Error as problem:
        print(f"error: cannot read {db}: {str(problem).splitlines()[0]}", file=sys.stderr)
        return 2
    size = out.stat().st_size / 1e6
    print(
        f"wrote {out} ({drawn} charts, {size:.1f} MB, {time.monotonic() - started:.1f}s"
        f"{f'; {gaps} parts not shown' if gaps else ''})"
    )
    return 0
