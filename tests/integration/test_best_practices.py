"""dbt Labs' dbt_project_evaluator on this project, every check passing.

The evaluator and its dependency dbt_utils are offline copies in ../shared/dbt-packages; the
project does not depend on them (its standalone build and its use as a package need neither).
The test copies the project, lists both packages in the copy's packages.yml, adds the
project's exceptions (tests/evaluator/, each with its reason) as the copy's exceptions seed,
builds the evaluator's models and tests, and fails on any warning."""

from __future__ import annotations

import json
import os
import shutil

import pytest
import yaml
from conftest import PROJECT, project_copy, run_dbt

PACKAGES = (PROJECT / ".." / "shared" / "dbt-packages").resolve()
EXCEPTIONS = PROJECT / "tests" / "evaluator" / "dbt_project_evaluator_exceptions.csv"

if not PACKAGES.exists() and os.environ.get("CI"):
    pytest.exit(f"error: CI is set but the dbt packages are missing at {PACKAGES}", returncode=3)


@pytest.mark.skipif(not PACKAGES.exists(), reason=f"DBT PACKAGES MISSING at {PACKAGES}")
def test_dbt_project_evaluator_passes_every_check(tmp_path):
    copy = project_copy(tmp_path)
    # the evaluator applies exceptions only from a seed of the root project: the project's
    # exceptions become a seed of the copy, and the package's own (empty) seed is disabled
    shutil.copy(EXCEPTIONS, copy / "seeds" / EXCEPTIONS.name)
    config = yaml.safe_load((copy / "dbt_project.yml").read_text())
    config["seeds"]["dbt_project_evaluator"] = {
        "dbt_project_evaluator_exceptions": {"+enabled": False}
    }
    (copy / "dbt_project.yml").write_text(yaml.safe_dump(config, sort_keys=False))
    evaluator = PACKAGES / "dbt_project_evaluator"
    (copy / "packages.yml").write_text(
        f"packages:\n  - local: {PACKAGES / 'dbt_utils'}\n  - local: {evaluator}\n"
    )
    env = {"SEGMENTS_DB": str(tmp_path / "evaluator.duckdb"), "DBT_PROJECT_DIR": str(copy)}
    deps = run_dbt("deps", env=env, cwd=copy, project=copy)
    assert deps.returncode == 0, deps.stdout[-3000:]
    target = tmp_path / "target"
    result = run_dbt(
        "build",
        "--select",
        "package:dbt_project_evaluator",
        "dbt_project_evaluator_exceptions",
        "--target-path",
        str(target),
        env=env,
        cwd=copy,
        project=copy,
    )
    assert result.returncode == 0, result.stdout[-5000:]
    results = json.loads((target / "run_results.json").read_text())["results"]
    by_status: dict[str, list[str]] = {}
    for r in results:
        by_status.setdefault(r["status"], []).append(r["unique_id"].split(".")[-2])
    print("dbt_project_evaluator:", {status: len(ids) for status, ids in by_status.items()})
    # its 79 nodes: the models that read the project's graph, and the checks on them
    assert len(results) >= 79
    assert len([r for r in results if r["unique_id"].startswith("test.")]) >= 29
    assert set(by_status) == {"success", "pass"}, {
        s: ids for s, ids in by_status.items() if s not in ("success", "pass")
    }
