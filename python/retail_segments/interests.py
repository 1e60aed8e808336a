"""Deprecated: split into retail_segments.product_categories (the product categories) and
retail_segments.interest_segments (the customer interest segments). This module re-exports
their names for one release; import them from the new modules."""

from __future__ import annotations

import warnings

from .interest_segments import (
    AS_OF_COLUMNS,
    BASKET_WEIGHT,
    InterestModel,
    InterestSegmentation,
    InterestSettings,
    assign_interest_segments,
    fit_interest_model,
    interest_segmentation,
    interest_segments_as_of,
    segment_names,
    share_matrix,
)
from .product_categories import (
    CATEGORY_RULE_SETTINGS,
    CategorySettings,
    ProductSpace,
    TextSpace,
    assign_categories,
    basket_lift,
    category_candidates,
    cluster_products,
    distinctive_labels,
    fit_purchases,
    label_terms,
    normalise_description,
    product_space,
    vectoriser,
)

warnings.warn(
    "retail_segments.interests is deprecated: import retail_segments.product_categories "
    "or retail_segments.interest_segments",
    DeprecationWarning,
    stacklevel=2,
)

__all__ = [
    "AS_OF_COLUMNS",
    "BASKET_WEIGHT",
    "CATEGORY_RULE_SETTINGS",
    "CategorySettings",
    "InterestModel",
    "InterestSegmentation",
    "InterestSettings",
    "ProductSpace",
    "TextSpace",
    "assign_categories",
    "assign_interest_segments",
    "basket_lift",
    "category_candidates",
    "cluster_products",
    "distinctive_labels",
    "fit_interest_model",
    "fit_purchases",
    "interest_segmentation",
    "interest_segments_as_of",
    "label_terms",
    "normalise_description",
    "product_space",
    "segment_names",
    "share_matrix",
    "vectoriser",
]
