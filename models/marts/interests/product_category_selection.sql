-- Every candidate number of product categories with its scores; exactly one is chosen.
select
    cast(n_categories as integer) as n_categories,
    silhouette,
    cast(smallest_category_products as integer) as smallest_category_products,
    cast(largest_category_products as integer) as largest_category_products,
    inertia,
    cast(fit_products as integer) as fit_products,
    is_chosen
from {{ ref('int_product_category_candidates') }}
