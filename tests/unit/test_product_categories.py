"""Product categories without a warehouse (retail_segments.product_categories): the basket lift
on a hand-counted example and on random categories, and a description whose words the text
space has never seen going to the largest category on any floating-point path."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
from retail_segments import product_categories


def test_basket_lift_on_a_hand_counted_example():
    # invoice 0: products 1, 2, 3; invoice 1: products 1, 4; categories {1, 2} -> 0, {3, 4} -> 1
    # pairs: 3 + 1, of which 1 (1-2) shares a category; occurrences 3 in cat 0, 2 in cat 1
    invoices = np.array([0, 0, 0, 1, 1])
    categories = np.array([0, 0, 1, 0, 1])
    expected = (1 / 4) / ((3 / 5) ** 2 + (2 / 5) ** 2)
    assert abs(product_categories.basket_lift(invoices, categories) - expected) < 1e-12
    # categories unrelated to baskets: a random assignment stays near 1
    rng = np.random.default_rng(0)
    invoices = np.repeat(np.arange(5000), 6)
    random_categories = rng.integers(0, 10, len(invoices))
    assert abs(product_categories.basket_lift(invoices, random_categories) - 1.0) < 0.05


def test_a_description_without_text_evidence_goes_to_the_largest_category_on_any_path():
    """A product first sold after the cut-off whose words the text space does not hold (or
    whose words lie outside its LSA dimensions) has no nearest category by text: its vector
    is rounding noise, which pointed to a different category on another processor (two real
    products moved between OpenBLAS kernels). It now gets exactly zero and the stated rule:
    the category with the most products. A description with words still goes by them."""
    descriptions = pd.Series(
        [f"red heart {w}" for w in ("mug", "cup", "bowl", "plate", "jug")]
        + [f"blue star {w}" for w in ("lamp", "light", "candle")]
        + [f"green frog {w}" for w in ("card", "tag", "box")]
        + ["pink bird pen", "pink bird clip"]  # the weakest theme: outside 3 LSA dimensions
    )
    settings = dataclasses.replace(product_categories.CategorySettings(), text_dims=3)
    space_text = product_categories.TextSpace.fit(descriptions, [], settings)
    labels = np.array([1, 1, 1, 1, 1, 0, 0, 0, 2, 2, 2, 1, 1])  # category 1 has the most
    later = pd.Series(
        ["yellow dragonfly helicopter", "pink bird lantern", "blue star lantern", "green frog"]
    )
    for scale in (1.0, 1.0 + 1e-12):  # another rounding of the same space
        vectors = space_text.transform(descriptions)
        space = product_categories.ProductSpace(
            products=pd.DataFrame({"stock_code": descriptions.index.astype(str)}),
            text=space_text,
            text_vectors=vectors * scale,
            has_history=np.ones(len(descriptions), dtype=bool),
            embedding=np.zeros((len(descriptions), 0)),
        )
        later_vectors = space_text.transform(later)
        # no known word, or words outside the space: exactly zero, not noise
        assert not later_vectors[:2].any() and later_vectors[2:].any()
        assigned = product_categories._nearest_by_text(space, labels, later_vectors * scale)
        assert assigned.tolist() == [1, 1, 0, 2]
