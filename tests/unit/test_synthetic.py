"""The synthetic generator (retail_segments.synthetic): the same seed writes the same file, and
the file looks like the real export (its columns, types and kinds of lines); a marketplace-like
shop (--one-off-share) plants one-off buyers with exactly one purchase invoice."""

from __future__ import annotations

import hashlib
import math

import duckdb
import pandas as pd
import pytest
from retail_segments import synthetic


def test_generator_is_deterministic(tmp_path):
    first, _ = synthetic.generate(tmp_path / "a.parquet", customers=150, seed=7)
    second, _ = synthetic.generate(tmp_path / "b.parquet", customers=150, seed=7)
    other, _ = synthetic.generate(tmp_path / "c.parquet", customers=150, seed=8)

    def digest(path):
        return hashlib.sha256(pd.read_parquet(path).to_csv(index=False).encode()).hexdigest()

    assert digest(first) == digest(second)
    assert digest(first) != digest(other)


def test_generator_looks_like_the_real_export(tmp_path):
    raw, truth = synthetic.generate(tmp_path / "raw.parquet", customers=1500, seed=3)
    con = duckdb.connect()
    stats = con.sql(
        f"select count(*) filter (where dayname(InvoiceDate) = 'Saturday'), "
        f"min(hour(InvoiceDate)), max(hour(InvoiceDate)), "
        f"count(*) filter (where InvoiceNo like 'C%'), "
        f"count(*) filter (where UnitPrice = 0), count(*) filter (where UnitPrice < 0), "
        f"count(distinct Country), "
        f"count(*) - (select count(*) from (select distinct * from '{raw}')) "
        f"from '{raw}'"
    ).fetchall()[0]
    saturday, first_hour, last_hour, cancels, zero, negative, countries, dups = stats
    assert saturday == 0 and 6 <= first_hour and last_hour <= 20
    assert cancels > 0 and zero > 0 and negative > 0 and dups > 0 and countries >= 10
    codes = {r[0] for r in con.sql(f"select distinct StockCode from '{raw}'").fetchall()}
    assert {"POST", "DOT", "M", "C2", "D", "BANK CHARGES", "CRUK", "B"} <= codes
    november, february = con.sql(
        f"select count(*) filter (where month(InvoiceDate) = 11), "
        f"count(*) filter (where month(InvoiceDate) = 2) from '{raw}'"
    ).fetchall()[0]
    assert november > 1.5 * february  # Christmas season
    archetypes = {r[0] for r in con.sql(f"select distinct archetype from '{truth}'").fetchall()}
    assert archetypes == {"champion", "loyal", "new", "at_risk", "lost", "wholesale"}


# --------------------------------------------------------------- a marketplace-like shop

MARKETPLACE_CUSTOMERS = 3000
MARKETPLACE_SHARE = 0.9


@pytest.fixture(scope="module")
def marketplace(tmp_path_factory):
    """3,000 customers, nine in ten planted as one-off buyers, through the command line."""
    raw = tmp_path_factory.mktemp("marketplace") / "marketplace.parquet"
    argv = ["--customers", str(MARKETPLACE_CUSTOMERS), "--seed", "21", "--out", str(raw)]
    assert synthetic.main([*argv, "--one-off-share", str(MARKETPLACE_SHARE)]) == 0
    return raw, synthetic.truth_path_for(raw)


def _purchase_invoices(con, raw, truth) -> pd.DataFrame:
    """Per planted customer: archetype, distinct purchase invoices (InvoiceNo not starting
    with C) and cancellation invoices in the raw file."""
    return con.sql(
        f"with counts as (select CustomerID, "
        f"count(distinct InvoiceNo) filter (where not starts_with(InvoiceNo, 'C')) as bought, "
        f"count(distinct InvoiceNo) filter (where starts_with(InvoiceNo, 'C')) as cancelled "
        f"from '{raw}' where CustomerID is not null group by CustomerID) "
        f"select t.customer_id, t.archetype, coalesce(c.bought, 0) as bought, "
        f"coalesce(c.cancelled, 0) as cancelled "
        f"from '{truth}' t left join counts c on c.CustomerID = t.customer_id::double"
    ).df()


def test_one_off_share_plants_that_share_of_one_off_buyers(marketplace):
    _, truth = marketplace
    archetypes = pd.read_parquet(truth)["archetype"]
    assert len(archetypes) == MARKETPLACE_CUSTOMERS
    share = (archetypes == synthetic.ONE_OFF.name).mean()
    # each customer is one-off with probability 0.9: binomial sd sqrt(0.9 * 0.1 / 3000) =
    # 0.0055, and 4 sd (0.022) is missed by chance once in ~16,000 seeds
    bound = 4 * math.sqrt(MARKETPLACE_SHARE * (1 - MARKETPLACE_SHARE) / MARKETPLACE_CUSTOMERS)
    assert abs(share - MARKETPLACE_SHARE) <= bound
    # the others keep the default mix: every default archetype is there, nothing else
    assert set(archetypes) == {a.name for a in synthetic.ARCHETYPES} | {"one_off"}


def test_one_off_buyers_have_exactly_one_purchase_invoice_in_the_raw_file(marketplace):
    raw, truth = marketplace
    counts = _purchase_invoices(duckdb.connect(), raw, truth)
    one_off = counts[counts["archetype"] == "one_off"]
    assert len(one_off) > 0
    assert (one_off["bought"] == 1).all()
    assert (one_off["cancelled"] == 0).all()  # no returns, not even of older purchases
    others = counts[counts["archetype"] != "one_off"]
    # the rest buy as their archetypes say: between the archetype's minimum (at most 3 for
    # late joiners, whose invoices are scaled to a shorter life) and its maximum
    bounds = {a.name: (min(a.invoices[0], 3), a.invoices[1]) for a in synthetic.ARCHETYPES}
    low = others["archetype"].map(lambda a: bounds[a][0])
    high = others["archetype"].map(lambda a: bounds[a][1])
    assert ((others["bought"] >= low) & (others["bought"] <= high)).all()
    # only new and lost (half the default mix) can buy once, and ~63% of them do (log-uniform
    # 1 or 2 invoices): ~68% of the others buy twice or more (~300 customers, sd 0.027)
    assert (others["bought"] >= 2).mean() > 0.55


def test_one_off_shop_is_deterministic(tmp_path):
    def files(name, **options):
        raw, truth = synthetic.generate(tmp_path / name, customers=400, seed=5, **options)
        return raw.read_bytes(), truth.read_bytes()

    first = files("a.parquet", one_off_share=0.9)
    assert first == files("b.parquet", one_off_share=0.9)
    assert first != files("c.parquet", one_off_share=0.5)
    assert first != files("d.parquet")


def test_default_shop_does_not_use_the_one_off_option(tmp_path):
    """No option, None and 0 are the default shop, byte for byte (its random draws are
    untouched: the one-off draw is made only for a positive share)."""

    def files(name, **options):
        raw, truth = synthetic.generate(tmp_path / name, customers=300, seed=12, **options)
        return raw.read_bytes(), truth.read_bytes()

    default = files("absent.parquet")
    assert files("none.parquet", one_off_share=None) == default
    assert files("zero.parquet", one_off_share=0.0) == default
    archetypes = set(pd.read_parquet(tmp_path / "absent_truth.parquet")["archetype"])
    assert "one_off" not in archetypes


@pytest.mark.parametrize("share", [1.0, 1.5, -0.1, float("nan")])
def test_one_off_share_outside_zero_to_one_is_refused(tmp_path, share, capsys):
    with pytest.raises(ValueError, match="^--one-off-share .*want a share in \\[0, 1\\)"):
        synthetic.generate(tmp_path / "raw.parquet", customers=10, one_off_share=share)
    assert not list(tmp_path.iterdir())
    argv = ["--customers", "10", "--out", str(tmp_path / "raw.parquet")]
    with pytest.raises(SystemExit) as stopped:
        synthetic.main([*argv, "--one-off-share", str(share)])
    assert stopped.value.code == 2 and "--one-off-share" in capsys.readouterr().err
    assert not list(tmp_path.iterdir())


def test_one_off_share_does_not_combine_with_a_planted_campaign(tmp_path):
    campaign = synthetic.PlantedCampaign("spring", "2011-08-01", 1.2)
    with pytest.raises(ValueError, match="--one-off-share .*--campaign"):
        synthetic.generate(tmp_path / "raw.parquet", 10, campaign=campaign, one_off_share=0.9)
