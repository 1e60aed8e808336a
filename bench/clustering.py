"""Benchmark the behavioural clustering alone at a given number of customers.

    python bench/clustering.py --customers 1000000

Builds standardised log RFM features for that many customers (six planted groups, like the
synthetic archetypes), then runs what the dbt Python models run: every candidate with its
indices and stability, the final assignment of every customer, and the projections. Writes
bench/results/clustering_<customers>.json and .md with wall time per step and peak memory.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time

import numpy as np
import pandas as pd
from benchmark import commit, machine
from retail_segments import clustering
from retail_segments.cli import project_dir

# centres of planted groups in (z_recency, z_frequency, z_monetary), with their shares
GROUPS = (
    ((-1.8, 2.1, 2.2), 0.10),
    ((-0.6, 1.0, 0.8), 0.18),
    ((-1.4, -0.9, -0.6), 0.12),
    ((0.7, 0.6, 0.6), 0.17),
    ((0.8, -0.9, -0.8), 0.38),
    ((-1.5, 1.5, 3.0), 0.05),
)


def features(customers: int, seed: int = 42) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    shares = np.array([share for _, share in GROUPS])
    group = rng.choice(len(GROUPS), size=customers, p=shares / shares.sum())
    centres = np.array([centre for centre, _ in GROUPS])
    z = centres[group] + rng.normal(0, 0.35, size=(customers, 3))
    return pd.DataFrame(
        {
            "customer_id": np.char.add("c", np.arange(customers).astype(str)),
            "monetary": np.expm1(z[:, 2] + 6.4),
            "is_outlier": rng.random(customers) < 0.05,
            "z_recency": z[:, 0],
            "z_frequency": z[:, 1],
            "z_monetary": z[:, 2],
        }
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python bench/clustering.py")
    parser.add_argument("--customers", type=int, default=1_000_000)
    args = parser.parse_args(argv)
    settings = clustering.ClusteringSettings()
    steps = {}
    started = time.perf_counter()
    data = features(args.customers)
    steps["make features"] = time.perf_counter() - started
    begun = time.perf_counter()
    selection = clustering.evaluate_candidates(data, settings)
    steps["candidates (27 fits, indices, stability)"] = time.perf_counter() - begun
    print(f"candidates: {time.perf_counter() - begun:.1f}s", flush=True)
    begun = time.perf_counter()
    assigned = clustering.assign_customers(data, selection, settings)
    steps["assign every customer"] = time.perf_counter() - begun
    begun = time.perf_counter()
    clustering.project(data, settings)
    steps["PCA for all, t-SNE on a sample"] = time.perf_counter() - begun
    total = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    chosen = selection[selection["is_chosen"]].iloc[0]
    result = {
        "customers": args.customers,
        "commit": commit(project_dir()),
        "machine": machine(),
        "measured_at": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "total_seconds": round(total, 1),
        "peak_memory_gib": round(peak, 2),
        "steps_seconds": {k: round(v, 1) for k, v in steps.items()},
        "chosen": f"{chosen['algorithm']} k={int(chosen['n_clusters'])}",
        "clusters_assigned": int(assigned["cluster_id"].nunique()),
    }
    folder = project_dir() / "bench" / "results"
    folder.mkdir(parents=True, exist_ok=True)
    name = f"clustering_{args.customers}"
    (folder / f"{name}.json").write_text(json.dumps(result, indent=2) + "\n")
    m = result["machine"]
    rows = "".join(f"| {k} | {v} |\n" for k, v in result["steps_seconds"].items())
    (folder / f"{name}.md").write_text(
        f"# Clustering benchmark: {args.customers:,} customers\n\n"
        f"Commit {result['commit']}, measured {result['measured_at']} on {m['cpu']}, "
        f"{m['cores']} cores, {m['memory_gib']} GiB.\n\n"
        f"Total {result['total_seconds']} s, peak memory {result['peak_memory_gib']} GiB; "
        f"chosen {result['chosen']}.\n\n| step | seconds |\n| --- | --- |\n{rows}"
    )
    print(f"total {total:.1f}s, peak {peak:.2f} GiB, chosen {result['chosen']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
