"""One registry of settings. Each knob of the Python models has its default once, in its
settings dataclass; YAML meta and dbt vars only override (none repeats a default);
docs/settings.md lists every environment variable and dbt var the code reads; the raw layout
is declared once."""

from __future__ import annotations

import dataclasses
import re

import yaml
from conftest import PROJECT
from retail_segments import (
    clustering,
    interest_segments,
    lifetime_value,
    prediction,
    product_categories,
)
from samples import COLUMNS, REQUIRED_VALUES

SETTINGS = [
    clustering.ClusteringSettings,
    product_categories.CategorySettings,
    interest_segments.InterestSettings,
    prediction.PredictionSettings,
    lifetime_value.LifetimeValueSettings,
]
# set by `segments build` for dbt, or by the tests only: not user settings
INTERNAL = {"SEGMENTS_BUILD_DB", "SEGMENTS_RAW_CHECKED", "SEGMENTS_TEST_PUBLISH_PAUSE"}


def _readme_settings() -> str:
    """The settings page the README links to."""
    return (PROJECT / "docs" / "settings.md").read_text()


def _metas(node, path=()):
    """Every meta mapping in a YAML document, with where it is."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("meta", "+meta") and isinstance(value, dict):
                yield path, value
            else:
                yield from _metas(value, (*path, str(key)))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _metas(value, (*path, str(i)))


def test_no_meta_repeats_a_default():
    defaults = {}
    for cls in SETTINGS:
        for field in dataclasses.fields(cls):
            defaults.setdefault(field.name, set()).add(repr(field.default))
    files = [PROJECT / "dbt_project.yml", *sorted((PROJECT / "models").rglob("*.yml"))]
    repeated = []
    knobs_seen = 0
    for path in files:
        document = yaml.safe_load(path.read_text())
        for where, meta in _metas(document):
            for name, value in meta.items():
                if name not in defaults:
                    continue
                knobs_seen += 1
                value = tuple(value) if isinstance(value, list) else value
                if repr(value) in defaults[name]:
                    repeated.append(f"{path.relative_to(PROJECT)} {'.'.join(where)}: {name}")
    assert repeated == []
    # the one meta that sets a knob passes a dbt var through (CLV's discount rate)
    assert knobs_seen >= 1


def test_readme_lists_every_environment_variable_and_var():
    used = set()
    for folder in ("python", "macros", "models"):
        for path in (PROJECT / folder).rglob("*"):
            if path.suffix in (".py", ".sql", ".yml"):
                used |= set(re.findall(r"\b(SEGMENTS_[A-Z_]+|RAW_INVOICES)\b", path.read_text()))
    for name in ("profiles.yml", "dbt_project.yml"):
        used |= set(
            re.findall(r"\b(SEGMENTS_[A-Z_]+|RAW_INVOICES)\b", (PROJECT / name).read_text())
        )
    documented = set(re.findall(r"`(SEGMENTS_[A-Z_]+|RAW_INVOICES)`", _readme_settings()))
    assert used - INTERNAL <= documented, sorted(used - INTERNAL - documented)
    assert documented <= used, sorted(documented - used)

    project = yaml.safe_load((PROJECT / "dbt_project.yml").read_text())
    variables = set(project["vars"]) - {"dbt_project_evaluator"}
    table = _readme_settings()
    missing = sorted(name for name in variables if f"`{name}`" not in table)
    assert missing == [], missing


def test_selection_marts_carry_the_settings_used_not_the_defaults():
    """The thresholds written beside the candidates are the ones the run was given: an
    override (as dbt meta sets it) shows in the rows, for clusterings and categories."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(7)
    features = pd.DataFrame(
        {
            "customer_id": [f"c{i:03d}" for i in range(120)],
            "z_recency": np.r_[rng.normal(-1, 0.2, 60), rng.normal(1, 0.2, 60)],
            "z_frequency": np.r_[rng.normal(1, 0.2, 60), rng.normal(-1, 0.2, 60)],
            "z_monetary": np.r_[rng.normal(1, 0.2, 60), rng.normal(-1, 0.2, 60)],
            "monetary": 100.0,
            "is_outlier": False,
        }
    )
    overrides = {
        "k_min": 2,
        "k_max": 4,
        "choose_k_min": 2,
        "choose_k_max": 3,
        "min_cluster_share": 0.05,
        "min_stability": 0.5,
        "silhouette_tolerance": 0.02,
    }
    settings = clustering.ClusteringSettings(**overrides, stability_runs=3, seeds=(0,), n_jobs=1)
    table = clustering.evaluate_candidates(features, settings)
    for name, value in overrides.items():
        assert set(table[name]) == {value}, name

    candidates = pd.DataFrame(
        {
            "n_categories": [8, 12],
            "smallest_category_products": [20, 9],
            "largest_category_product_share": [0.1, 0.1],
            "largest_category_revenue_share": [0.2, 0.2],
            "seed_agreement_ari": [0.9, 0.9],
            "basket_lift": [2.0, 2.5],
        }
    )
    strict = product_categories.CategorySettings(min_category_products=10, lift_tolerance=0.2)
    chosen = product_categories._choose_categories(candidates.copy(), strict)
    assert set(chosen["min_category_products"]) == {10}
    assert set(chosen["lift_tolerance"]) == {0.2}
    # and the rule used them: 12 categories has a category of 9 products, under 10
    assert chosen.loc[chosen["is_chosen"], "n_categories"].tolist() == [8]
    lenient = product_categories.CategorySettings(min_category_products=5, lift_tolerance=0.2)
    assert product_categories._choose_categories(candidates.copy(), lenient).loc[
        lambda t: t["is_chosen"], "n_categories"
    ].tolist() == [12]


def test_the_raw_layout_is_declared_once():
    """The raw file's columns (names, aliases, types, required) are declared in the
    source's YAML only: the DuckDB loader and the Spark macro read that list, and neither
    spells an alias of its own."""
    from retail_segments import raw_schema

    declared = raw_schema.columns(PROJECT)
    # the layout the bad-input tests write files in, and the values they leave empty;
    # then the optional ones: UnitCost for gross margin, and what shop systems record
    # (line amounts and profit, discounts, refunds, status, cancellation, currency)
    optional = [
        "UnitCost",
        "LineAmount",
        "LineProfit",
        "LineDiscount",
        "OrderDiscount",
        "RefundedAmount",
        "OrderStatus",
        "CancelledAt",
        "Currency",
    ]
    assert [c.name for c in declared] == [*COLUMNS, *optional]
    assert not any(c.required for c in declared if c.name in optional)
    # UnitPrice or LineAmount: one of them, with every line's value
    price = [c for c in declared if c.one_of == "price"]
    assert [c.name for c in price] == ["UnitPrice", "LineAmount"]
    assert all(c.one_of_required and c.values_required and not c.required for c in price)
    assert {c.name for c in declared if c.values_required} == REQUIRED_VALUES | {"LineAmount"}
    assert {c.sql_type for c in declared} == {"VARCHAR", "BIGINT", "TIMESTAMP", "DOUBLE"}
    aliases = {alias for column in declared for alias in column.aliases}
    assert {"invoice", "price", "customer id"} <= aliases  # the Online Retail II layout
    readers = sorted((PROJECT / "python/retail_segments/raw").glob("*.py"))
    assert len(readers) > 3
    for path in [*readers, PROJECT / "macros/sources/register_raw_files.sql"]:
        text = path.read_text().lower()
        spelled = sorted(alias for alias in aliases if f"'{alias}'" in text or f'"{alias}"' in text)
        assert spelled == [], (path, spelled)
