"""Small inputs shared by the unit and integration tests: the Online Retail columns, the
shipped column mappings, a few valid lines, how the build reads a file, the browser's flags,
and the numbers a report reader should not have to read. (The fuzz test's valid base file is
the fixture `fuzz_base` of conftest.py.)"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import PROJECT
from retail_segments.raw import RawInputError, RawInvoiceFiles, read_options

COLUMNS = [
    "InvoiceNo",
    "StockCode",
    "Description",
    "Quantity",
    "InvoiceDate",
    "UnitPrice",
    "CustomerID",
    "Country",
]
# the columns of that layout every line needs a value in (an empty StockCode is a sale
# without a SKU: its code is made from its name)
REQUIRED_VALUES = {"InvoiceNo", "Quantity", "InvoiceDate", "UnitPrice"}

SHOPIFY_MAPPING = PROJECT / "mappings" / "shopify_orders.yml"
WOOCOMMERCE_MAPPING = PROJECT / "mappings" / "woocommerce_line_items.yml"
LINE_AMOUNT_MAPPING = PROJECT / "mappings" / "line_amounts.yml"

# marts renamed to their folder's subject: the old names stay, as views over the new, for one
# release (models/marts/deprecated, CHANGELOG.md)
RENAMED_MARTS = {
    "product_sales": "sales_by_product",
    "segment_transitions": "rfm_segment_transitions",
    "cluster_model_selection": "segment_model_selection",
    "churn_risk_calibration": "clv_churn_risk_calibration",
    "prediction_evaluation": "new_customer_prediction_evaluation",
}

# headless Chromium as the report and warehouse tests render pages
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
]


def sample_lines(n: int = 6) -> pd.DataFrame:
    """A few valid lines in the Online Retail layout."""
    return pd.DataFrame(
        {
            "InvoiceNo": [f"5363{i:02d}" for i in range(n)],
            "StockCode": ["85123A"] * n,
            "Description": ["WHITE HANGING HEART"] * n,
            "Quantity": [6] * n,
            "InvoiceDate": ["2011-01-04 10:00:00"] * n,
            "UnitPrice": ["2.55"] * n,
            "CustomerID": ["17850"] * n,
            "Country": ["United Kingdom"] * n,
        }
    )


def read_lines(path: Path, **options) -> pd.DataFrame:
    """The lines as the build loads them, in input order."""
    files = RawInvoiceFiles([path], options=read_options(**options))
    try:
        lines = files.read().read_all().to_pandas()
    finally:
        files.close()
    return lines.sort_values("source_row_number", ignore_index=True)


def read_problem(path: Path, **options) -> str:
    """The one-line error reading `path` stops with."""
    with pytest.raises(RawInputError) as caught:
        read_lines(path, **options)
    message = str(caught.value)
    assert "\n" not in message
    return message


def number_problems(texts: list[str]) -> list[str]:
    """Numbers a person should not have to read: a trailing .000, 10,000 and more without
    separators, four-digit numbers that are not years, percentages with two decimals."""
    problems = []
    for text in texts:
        if re.search(r"\d\.0{3,}\b", text):
            problems.append(f"trailing .000: {text.strip()[:80]!r}")
        # four decimals on a number of 1 or more, or trailing zeros; a small estimate such
        # as 0.0005 needs its digits
        if re.search(r"\b[1-9][\d,]*\.\d{4,}\b", text) or re.search(r"\d\.\d{3,}0\b", text):
            problems.append(f"four or more decimals: {text.strip()[:80]!r}")
        if re.search(r"(?<![\d.,])\d{4,}\.\d", text):
            problems.append(f"no thousands separator: {text.strip()[:80]!r}")
        for match in re.finditer(r"(?<![\d.,])\d{4,}(?![\d,]|\.\d)", text):
            if not (len(match.group()) == 4 and 1990 <= int(match.group()) <= 2100):
                problems.append(f"no thousands separator: {text.strip()[:80]!r}")
        if re.search(r"\d\.\d{2,}%", text):
            problems.append(f"percentage with 2+ decimals: {text.strip()[:80]!r}")
    return problems


# ------------------------------------------------------------ simulated campaigns

# the mean of a simulated buyer's log-normal spend, exp(4 + 1.2^2 / 2)
SIMULATED_SPEND = float(np.exp(4 + 1.2**2 / 2))


def simulated_campaign(rng, contacted, held_out, buy=(0.3, 0.3), spend_lift=1.0):
    """One campaign's outcomes: buyers at the rates `buy` (contacted, held out), log-normal
    spend (a few big baskets), the contacted buyers' spend multiplied by spend_lift.
    Returns ((bought contacted, bought held out), (revenue contacted, revenue held out))."""
    bought_t, bought_c = rng.random(contacted) < buy[0], rng.random(held_out) < buy[1]
    revenue_t = np.where(bought_t, spend_lift * rng.lognormal(4, 1.2, contacted), 0.0)
    revenue_c = np.where(bought_c, rng.lognormal(4, 1.2, held_out), 0.0)
    return (bought_t.astype(float), bought_c.astype(float)), (revenue_t, revenue_c)
