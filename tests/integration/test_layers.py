"""The layers read one way. Every model sits in dbt's layer folders, a folder per schema
(models/staging, models/intermediate/<subject>, models/marts/<subject>), and reads only models
of its own step or an earlier one (seeds and sources are inputs of any step):

    staging -> intermediate/cleaning -> marts/core -> intermediate/<subject> -> marts/<subject>

so no cleaning step or model fit reads a published mart other than the facts and the customer
table, and a reader knows where a new model goes (docs/development.md). Public marts start
with their folder's subject, or with customer_ for one row per customer. Checked on the
manifest of the synthetic build.
"""

from __future__ import annotations

import json
from collections import Counter

from conftest import query
from retail_segments import publish
from samples import RENAMED_MARTS

STEPS = ["staging", "cleaning", "core", "intermediate", "marts"]
PREFIXES = {"staging": ("stg_",), "cleaning": ("int_",), "intermediate": ("int_",)}
# the first word of a mart's name by its folder; any folder's customer table starts with
# customer_ (dbt_project.yml, dbt_project_evaluator.marts_prefixes)
MART_SUBJECTS = {
    "core": ("fct_", "shop_"),
    "data_quality": ("data_quality_",),
    "sales": ("sales_",),
    "rfm": ("rfm_",),
    "segments": ("segment_",),
    "product_categories": ("product_",),
    "interests": ("interest_",),
    "clv": ("clv_",),
    "new_customers": ("new_customer_",),
    "campaigns": ("campaign_",),
}


def _models(db):
    target, _ = publish.dbt_paths(db)
    manifest = json.loads((target / "manifest.json").read_text())
    return {
        node_id: node
        for node_id, node in manifest["nodes"].items()
        if node["resource_type"] == "model" and node["package_name"] == "retail_segments"
    }


def _folders(node) -> tuple[str, str]:
    """(layer folder, subject folder) of a model: ("marts", "clv")."""
    parts = node["original_file_path"].split("/")
    return parts[1], parts[2] if len(parts) > 3 else ""


def _layer(node) -> str:
    """The model's step: cleaning and the facts of marts/core come before the subjects."""
    layer, subject = _folders(node)
    if (layer, subject) in (("intermediate", "cleaning"), ("marts", "core")):
        return subject
    return layer


def test_every_model_reads_only_its_own_and_earlier_layers(synthetic_db):
    models = _models(synthetic_db)
    assert len(models) > 60
    assert Counter(_layer(node) for node in models.values()).keys() == set(STEPS)
    backwards = [
        f"{node['name']} ({_layer(node)}) reads {models[parent]['name']} ({_layer(models[parent])})"
        for node in models.values()
        for parent in node["depends_on"]["nodes"]
        if parent in models and STEPS.index(_layer(models[parent])) > STEPS.index(_layer(node))
    ]
    assert backwards == []


def test_model_names_say_their_layer(synthetic_db):
    """stg_ in staging and int_ in intermediate; the marts publish into the marts schema under
    names analysts look for: their folder's subject first, or customer_ for a table of one row
    per customer (fct_ for the facts); the old names of renamed marts live in deprecated/."""
    models = _models(synthetic_db).values()
    misnamed = [
        node["original_file_path"]
        for node in models
        if _layer(node) in PREFIXES
        and not node["name"].startswith(PREFIXES[_layer(node)])
        or _folders(node)[0] == "marts"
        and _folders(node)[1] != "deprecated"
        and not node["name"].startswith(MART_SUBJECTS[_folders(node)[1]] + ("customer_",))
    ]
    assert misnamed == []
    schemas = {(_folders(node)[0], node["schema"]) for node in models}
    assert schemas == {("staging", "staging"), ("intermediate", "intermediate"), ("marts", "marts")}


def test_renamed_marts_keep_their_old_names_as_views(synthetic_db):
    """The old names of renamed marts read the new ones, for one release (CHANGELOG.md)."""
    models = _models(synthetic_db).values()
    deprecated = {
        node["name"]: node["depends_on"]["nodes"][0].split(".")[-1]
        for node in models
        if _folders(node)[1] == "deprecated"
    }
    assert deprecated == RENAMED_MARTS
    views = [node for node in models if node["name"] in deprecated]
    assert {(node["config"]["materialized"], node["access"]) for node in views} == {
        ("view", "protected")
    }
    # each reads as much as its mart: the same rows (the churn check, its rows at the one cut
    # it had, in the columns it had)
    rows_of = {
        "churn_risk_calibration": "(select * exclude (cut_date, cut_kind, follows_season) from "
        "marts.clv_churn_risk_calibration where cut_kind = 'calibration end')"
    }
    for old, new in RENAMED_MARTS.items():
        source = rows_of.get(old, f"marts.{new}")
        difference = f"(select * from marts.{old} except all select * from {source})"
        assert query(synthetic_db, f"select count(*) from {difference}") == [(0,)]
        assert query(synthetic_db, f"select count(*) from marts.{old}") == query(
            synthetic_db, f"select count(*) from {source}"
        )
