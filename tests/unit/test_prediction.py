"""The words of product-category labels match whole words (the vectoriser of
retail_segments.product_categories, as the new-customer prediction reads them)."""

from __future__ import annotations

from retail_segments import product_categories


def test_product_category_words_match_whole_words():
    vectoriser = product_categories.vectoriser(["red"])
    vectoriser.fit(["RED HEART T-LIGHT HOLDER", "ART DECO LAMP", "HEART OF WICKER", "ART SET"])
    vocabulary = set(vectoriser.get_feature_names_out())
    assert "art" in vocabulary and "heart" in vocabulary and "red" not in vocabulary
    row = vectoriser.transform(["SWEETHEART CARD"]).toarray()[0]
    assert row[vectoriser.vocabulary_["heart"]] == 0  # HEART inside SWEETHEART is no match
    row = vectoriser.transform(["HEART"]).toarray()[0]
    assert row[vectoriser.vocabulary_["art"]] == 0
