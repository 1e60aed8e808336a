"""Candidate numbers of product categories (co-purchase and description vectors, spectral
embedding, KMeans), every candidate's figures, the chosen one flagged. Fitted on what was
sold before the prediction cut-off. Logic: retail_segments.product_categories."""

from retail_segments import frames, product_categories


def model(dbt, session):
    dbt.config(materialized="table")
    settings = product_categories.CategorySettings.from_meta(dbt.config.get("meta"))
    catalogue = frames.to_pandas(dbt.ref("int_product_catalogue"))
    purchases = product_categories.fit_purchases(dbt.ref("int_product_basket_items"), settings)
    # its own statement: dbt finds a Python model's refs in the code, not inside a subscript
    stopword_rows = frames.to_pandas(dbt.ref("product_text_stopwords"), ["word"])
    stopwords = stopword_rows["word"].tolist()
    return product_categories.category_candidates(catalogue, purchases, stopwords, settings)
