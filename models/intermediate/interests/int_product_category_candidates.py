"""Candidate numbers of product categories (co-purchase and description vectors, spectral
embedding, KMeans), every candidate's figures, the chosen one flagged. Fitted on what was
sold before the prediction cut-off. Logic: retail_segments.interests."""

from retail_segments import interests


def model(dbt, session):
    dbt.config(materialized="table")
    settings = interests.CategorySettings.from_meta(dbt.config.meta_get)
    catalogue = dbt.ref("int_product_catalogue").df()
    purchases = interests.fit_purchases(dbt.ref("int_product_basket_items"), settings)
    stopwords = [row[0] for row in dbt.ref("product_text_stopwords").project("word").fetchall()]
    return interests.category_candidates(catalogue, purchases, stopwords, settings)
