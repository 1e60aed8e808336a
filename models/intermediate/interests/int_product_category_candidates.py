"""Candidate numbers of product categories (TF-IDF of descriptions, KMeans), the chosen
one flagged. Fitted on products sold before the prediction cut-off.
Logic: retail_segments.interests."""

from retail_segments import interests


def model(dbt, session):
    dbt.config(materialized="table")
    settings = interests.CategorySettings.from_meta(dbt.config.meta_get)
    catalogue = dbt.ref("int_product_catalogue").df()
    stopwords = [row[0] for row in dbt.ref("product_text_stopwords").project("word").fetchall()]
    return interests.category_candidates(catalogue, stopwords, settings)
