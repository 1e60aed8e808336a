"""Labels lie strictly after the first invoice, features are the first invoice
only. Each test copies the built synthetic warehouse, changes the data on one side of the
first purchase day for every test customer, re-runs the prediction models with dbt on the
copy, and compares with the original."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
from conftest import copy_warehouse, rerun_models

LABELS = ["will_return", "value_tier", "next_interest"]


def _study(db: Path) -> pd.DataFrame:
    with duckdb.connect(str(db), read_only=True) as con:
        return (
            con.sql(
                "select * from intermediate.int_prediction_study where prediction_role = 'test'"
            )
            .df()
            .set_index("customer_id")
            .sort_index()
        )


def _mutate(db: Path, condition: str) -> int:
    """Delete the invoices (and their lines) of test customers that match `condition`, a
    predicate on i (the invoice) and c (the customer's study row); returns how many."""
    with duckdb.connect(str(db)) as con:
        doomed = f"""
            select i.invoice_no
            from marts.fct_invoices i
            join intermediate.int_prediction_customers c using (customer_id)
            where c.prediction_role = 'test' and {condition}
        """
        (count,) = con.sql(f"select count(*) from ({doomed})").fetchall()[0]
        con.execute(f"delete from marts.fct_sales_lines where invoice_no in ({doomed})")
        con.execute(f"delete from marts.fct_invoices where invoice_no in ({doomed})")
    return count


def test_labels_do_not_change_when_the_first_invoice_is_dropped(synthetic_db, tmp_path):
    copy = copy_warehouse(synthetic_db, tmp_path / "first_dropped")
    removed = _mutate(copy, "cast(i.invoiced_at as date) = c.first_purchase_date")
    assert removed > 200
    rerun_models(
        copy, ["int_prediction_labels", "int_prediction_category_spend", "int_prediction_study"]
    )
    before, after = _study(synthetic_db), _study(copy)
    assert len(before) > 200 and before.index.equals(after.index)
    pd.testing.assert_frame_equal(after[LABELS], before[LABELS])
    # the change did reach the re-run models: the first baskets' category spend is gone
    shares = [c for c in before.columns if c.startswith("feature__category_")]
    assert (after[shares] != before[shares]).any(axis=None)


def test_features_do_not_change_when_later_invoices_change(synthetic_db, tmp_path):
    copy = copy_warehouse(synthetic_db, tmp_path / "later_dropped")
    removed = _mutate(copy, "cast(i.invoiced_at as date) > c.first_purchase_date")
    assert removed > 200
    # and every first-invoice line is cancelled in full later on, as a later C invoice would
    # record it on the purchase: the first basket as invoiced must not change
    with duckdb.connect(str(copy)) as con:
        con.execute(
            "update marts.fct_sales_lines set quantity_canceled = quantity, net_quantity = 0, "
            "line_revenue = 0 where invoice_no in (select first_invoice_no from "
            "intermediate.int_prediction_customers where prediction_role = 'test')"
        )
        con.execute(
            "update marts.fct_invoices set revenue = 0, item_count = 0 where invoice_no in "
            "(select first_invoice_no from intermediate.int_prediction_customers "
            "where prediction_role = 'test')"
        )
    rerun_models(
        copy,
        [
            "int_prediction_customers",
            "int_prediction_labels",
            "int_prediction_category_spend",
            "int_prediction_study",
        ],
    )
    before, after = _study(synthetic_db), _study(copy)
    features = [c for c in before.columns if c.startswith("feature__")]
    assert len(features) > 10 and before.index.equals(after.index)
    pd.testing.assert_frame_equal(after[features], before[features])
    # the change did reach the labels: nobody returns any more
    assert before["will_return"].sum() > 0 and after["will_return"].sum() == 0


def _categories(db: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The categories of the products fitted before the cut-off, and the selection. Not the
    category labels: they are display names that say what each category
    sells over the whole history (its best sellers now), and no model reads them."""
    with duckdb.connect(str(db), read_only=True) as con:
        fitted = (
            con.sql(
                "select stock_code, category_id "
                "from intermediate.int_product_categories where is_fit_product "
                "order by stock_code"
            )
            .df()
            .reset_index(drop=True)
        )
        selection = con.sql("select * from marts.product_category_selection order by all").df()
    return fitted, selection


def test_product_categories_ignore_every_line_after_the_cutoff(synthetic_db, tmp_path):
    """Every sales line on or after the prediction cut-off is rewritten in the
    SQL inputs of the categories (fct_sales_lines): descriptions scrambled, prices and
    revenue multiplied, products swapped between lines, a third of the lines deleted. The
    categories and their selection, re-run by dbt, do not move."""
    copy = copy_warehouse(synthetic_db, tmp_path / "after_cutoff_changed")
    after = (
        "cast(invoiced_at as date) >= (select cutoff_date from intermediate.int_prediction_cutoff)"
    )
    with duckdb.connect(str(copy)) as con:
        count = f"select count(*) from marts.fct_sales_lines where {after}"
        (changed,) = con.sql(count).fetchall()[0]
        con.execute(f"delete from marts.fct_sales_lines where {after} and sales_line_id % 3 = 0")
        con.execute(
            "update marts.fct_sales_lines set description = 'ZZZ ' || reverse(description), "
            f"unit_price = unit_price * 97, line_revenue = line_revenue * 97 where {after}"
        )
        con.execute(
            f"""
            update marts.fct_sales_lines as sales set stock_code = swapped.stock_code
            from (
                select sales_line_id,
                       lead(stock_code, 7, 'NEW') over (order by sales_line_id) as stock_code
                from marts.fct_sales_lines where {after}
            ) as swapped
            where sales.sales_line_id = swapped.sales_line_id
            """
        )
    assert changed > 1000
    rerun_models(
        copy,
        [
            "int_product_catalogue",
            "int_product_basket_items",
            "int_product_category_candidates",
            "int_product_categories",
            "product_category_selection",
        ],
    )
    fitted, selection = _categories(synthetic_db)
    fitted_after, selection_after = _categories(copy)
    assert len(fitted) > 100
    pd.testing.assert_frame_equal(fitted_after, fitted)
    pd.testing.assert_frame_equal(selection_after, selection)
    # the change did reach the re-run models: the catalogue's all-time descriptions moved
    with duckdb.connect(str(copy), read_only=True) as con:
        (scrambled,) = con.sql(
            "select count(*) from intermediate.int_product_catalogue where description like 'ZZZ %'"
        ).fetchall()[0]
    assert scrambled > 0
