"""Candidate numbers of product categories (co-purchase and description vectors, spectral
embedding, KMeans), every candidate's figures, the chosen one flagged. Fitted on what was
sold before the prediction cut-off. Logic: retail_segments.interests."""

from retail_segments import frames, interests


def model(dbt, session):
    dbt.config(materialized="table")
    settings = interests.CategorySettings.from_meta(dbt.config.meta_get)
    catalogue = frames.to_pandas(dbt.ref("int_product_catalogue"))
    purchases = interests.fit_purchases(dbt.ref("int_product_basket_items"), settings)
    # its own statement: dbt finds a Python model's refs in the code, not inside a subscript
    stopword_rows = frames.to_pandas(dbt.ref("product_text_stopwords"), ["word"])
    stopwords = stopword_rows["word"].tolist()
    return interests.category_candidates(catalogue, purchases, stopwords, settings)
