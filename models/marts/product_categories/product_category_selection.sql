-- Every candidate number of product categories with its figures; exactly one is chosen.
-- The last columns are the thresholds of the rule the build used.
select
    cast(n_categories as integer) as n_categories,
    basket_lift,
    cast(largest_category_products as integer) as largest_category_products,
    largest_category_product_share,
    largest_category_revenue_share,
    cast(smallest_category_products as integer) as smallest_category_products,
    smallest_category_revenue_share,
    silhouette,
    seed_agreement_ari,
    cast(fit_products as integer) as fit_products,
    cast(products_with_history as integer) as products_with_history,
    is_eligible,
    is_chosen,
    selection_reason,
    cast(min_category_products as integer) as min_category_products,
    max_category_product_share,
    max_category_revenue_share,
    min_seed_agreement,
    lift_tolerance
from {{ ref('int_product_category_candidates') }}
