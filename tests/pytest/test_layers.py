"""Issue #20: the layers read one way. Every model sits in one layer folder, and reads only
models of its own layer or of an earlier one (seeds and sources are inputs of any layer):

    staging -> cleaning -> core -> fitting -> marts

so no cleaning step or model fit reads a published mart, and a reader knows where a new
model goes (README "Where to add a model"). Checked on the manifest of the synthetic build.
"""

from __future__ import annotations

import json
from collections import Counter

from retail_segments import publish

LAYERS = ["staging", "cleaning", "core", "fitting", "marts"]
PREFIXES = {"staging": ("stg_",), "cleaning": ("int_",), "fitting": ("int_",)}


def _models(db):
    target, _ = publish.dbt_paths(db)
    manifest = json.loads((target / "manifest.json").read_text())
    return {
        node_id: node
        for node_id, node in manifest["nodes"].items()
        if node["resource_type"] == "model" and node["package_name"] == "retail_segments"
    }


def _layer(node) -> str:
    return node["original_file_path"].split("/")[1]


def test_every_model_reads_only_its_own_and_earlier_layers(synthetic_db):
    models = _models(synthetic_db)
    assert len(models) > 60
    assert Counter(_layer(node) for node in models.values()).keys() == set(LAYERS)
    backwards = [
        f"{node['name']} ({_layer(node)}) reads {models[parent]['name']} ({_layer(models[parent])})"
        for node in models.values()
        for parent in node["depends_on"]["nodes"]
        if parent in models and LAYERS.index(_layer(models[parent])) > LAYERS.index(_layer(node))
    ]
    assert backwards == []


def test_model_names_say_their_layer(synthetic_db):
    """stg_ in staging and int_ in cleaning and fitting; core and marts publish into the
    marts schema, under names analysts look for (fct_ for the facts)."""
    models = _models(synthetic_db).values()
    misnamed = [
        node["original_file_path"]
        for node in models
        if _layer(node) in PREFIXES
        and not node["name"].startswith(PREFIXES[_layer(node)])
        or _layer(node) in ("core", "marts")
        and node["name"].startswith(("stg_", "int_"))
    ]
    assert misnamed == []
    schemas = {(_layer(node), node["schema"]) for node in models}
    assert schemas == {
        ("staging", "staging"),
        ("cleaning", "intermediate"),
        ("core", "marts"),
        ("fitting", "intermediate"),
        ("marts", "marts"),
    }
