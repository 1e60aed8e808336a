"""Every product's category, label and price band, from the chosen category model.
Logic: retail_segments.product_categories."""

from retail_segments import frames, product_categories


def model(dbt, session):
    dbt.config(materialized="table")
    settings = product_categories.CategorySettings.from_meta(dbt.config.get("meta"))
    catalogue = frames.to_pandas(dbt.ref("int_product_catalogue"))
    purchases = product_categories.fit_purchases(dbt.ref("int_product_basket_items"), settings)
    # its own statement: dbt finds a Python model's refs in the code, not inside a subscript
    stopword_rows = frames.to_pandas(dbt.ref("product_text_stopwords"), ["word"])
    stopwords = stopword_rows["word"].tolist()
    selection = frames.to_pandas(dbt.ref("int_product_category_candidates"))
    return product_categories.assign_categories(
        catalogue, purchases, stopwords, selection, settings
    )
