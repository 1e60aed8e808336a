"""Every product's category, label and price band, from the chosen category model.
Logic: retail_segments.interests."""

from retail_segments import interests


def model(dbt, session):
    dbt.config(materialized="table")
    settings = interests.CategorySettings.from_meta(dbt.config.meta_get)
    catalogue = dbt.ref("int_product_catalogue").df()
    purchases = interests.fit_purchases(dbt.ref("int_product_basket_items"), settings)
    stopwords = [row[0] for row in dbt.ref("product_text_stopwords").project("word").fetchall()]
    selection = dbt.ref("int_product_category_candidates").df()
    return interests.assign_categories(catalogue, purchases, stopwords, selection, settings)
