"""Section "Product categories" of the report."""

from __future__ import annotations

from .. import report_format as fmt
from .common import Col, _is_num_or_text, _table
from .page import ReportPage


class CategoriesSection(ReportPage):
    ANCHOR = "categories"
    TITLE = "Product categories"
    BUILD = "section_categories"
    # the marts this section reads
    MARTS = frozenset(
        {
            "interest_segment_profiles",
            "product_category_basket_lift",
            "product_category_summary",
        }
    )

    def categories_text(self) -> str:
        lift = self.w.df("product_category_basket_lift").iloc[0]
        return (
            f'<p class="bottom-line"><b>{fmt.count(lift["categories"])} categories of products '
            f"bought together.</b> Two different products in one basket share a category "
            f"{fmt.number(lift['basket_lift'])} times as often as chance would have it (basket "
            f"lift; 1.00 = categories unrelated to baskets), over "
            f"{fmt.count(lift['invoices'])} invoices.</p>"
        )

    def categories_table(self) -> str:
        data = self.w.df(
            "product_category_summary",
            "select * from marts.product_category_summary order by revenue desc",
        )
        columns = [
            Col("Category (its most distinctive words)", lambda r: r["category_label"]),
            Col("Products", lambda r: fmt.count(r["products"]), True),
            Col("Share of revenue", lambda r: fmt.percent(r["revenue_share"]), True),
            Col("Revenue", lambda r: fmt.money(r["revenue"]), True),
            Col("Customers", lambda r: fmt.count(r["customers"]), True),
            Col(
                "Best sellers",
                lambda r: r["top_products"] if _is_num_or_text(r["top_products"]) else "",
            ),
        ]
        shown = 10
        if len(data) <= shown + 2:
            return _table(data, columns, "categories-table")
        return (
            f'<p class="caption">The {shown} largest by revenue; all {len(data)} below.</p>'
            + _table(data.head(shown), columns, "categories-table")
            + f"<details><summary>The other {len(data) - shown} categories</summary>"
            + _table(data.iloc[shown:], columns, "categories-table")
            + "</details>"
        )

    def lift_table(self) -> str:
        data = self.w.df("product_category_basket_lift")
        columns = [
            Col("Basket lift", lambda r: fmt.number(r["basket_lift"]), True),
            Col("Categories", lambda r: fmt.count(r["categories"]), True),
            Col("Invoices", lambda r: fmt.count(r["invoices"]), True),
            Col("Pairs of products in one basket", lambda r: fmt.count(r["product_pairs"]), True),
            Col(
                "Pairs in the same category",
                lambda r: fmt.percent(r["same_category_pair_share"]),
                True,
            ),
            Col("Expected by chance", lambda r: fmt.percent(r["expected_pair_share"]), True),
        ]
        return "<h3>Basket lift</h3>" + _table(data, columns)

    def interests_table(self) -> str:
        data = self.w.df(
            "interest_segment_profiles",
            "select * from marts.interest_segment_profiles order by interest_segment_id",
        )
        columns = [
            Col("Interest segment", lambda r: r["interest_segment_name"]),
            Col("Customers", lambda r: fmt.count(r["customers"]), True),
            Col("Share of customers", lambda r: fmt.percent(r["customer_share"]), True),
            Col("Revenue", lambda r: fmt.money(r["revenue"]), True),
            Col("Median invoice", lambda r: fmt.money(r["median_invoice_value"]), True),
            Col("Share of their spend by category", lambda r: r["dominant_categories"]),
        ]
        return (
            "<h3>Customers by what they buy (interest segments)</h3>"
            '<p class="caption">Column interest segment in marts.customer_interest_segments; '
            "shares in percent of the segment's spend.</p>" + _table(data, columns)
        )

    def section_categories(self) -> str:
        return (
            self.part(self.categories_text)
            + self.part(self.categories_table)
            + self.part(self.interests_table)
            + self.part(self.lift_table)
        )

    # -- 4. new customers
