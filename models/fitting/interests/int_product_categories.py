"""Every product's category, label and price band, from the chosen category model.
Logic: retail_segments.interests."""

from retail_segments import frames, interests


def model(dbt, session):
    dbt.config(materialized="table")
    settings = interests.CategorySettings.from_meta(dbt.config.meta_get)
    catalogue = frames.to_pandas(dbt.ref("int_product_catalogue"))
    purchases = interests.fit_purchases(dbt.ref("int_product_basket_items"), settings)
    # its own statement: dbt finds a Python model's refs in the code, not inside a subscript
    stopword_rows = frames.to_pandas(dbt.ref("product_text_stopwords"), ["word"])
    stopwords = stopword_rows["word"].tolist()
    selection = frames.to_pandas(dbt.ref("int_product_category_candidates"))
    return interests.assign_categories(catalogue, purchases, stopwords, selection, settings)
