"""Property test: the class-based matrix equals the brute-force oracle on random small estates
(`tests.engine.estate_recipes` draws them)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, note, settings

from sgaudit.engine.matrix import compute_matrix, compute_pair_traffic
from sgaudit.engine.oracle import oracle_matrix, oracle_pair_traffic
from sgaudit.errors import SelectorError
from tests.engine.estate_recipes import Recipe, describe_differences, engine_for, recipes

# ---- the properties --------------------------------------------------------------------------


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)
@given(recipe=recipes())
def test_matrix_equals_oracle(recipe: Recipe) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        engine = engine_for(recipe, Path(tmp))
        mine = compute_pair_traffic(engine)
        ref = oracle_pair_traffic(engine)
        note(f"{len(mine)} endpoint pairs with flows")
        assert mine == ref, "matrix and oracle differ:\n" + describe_differences(mine, ref)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(recipe=recipes(max_workloads=3, max_rules=6))
def test_flows_equal_oracle_flows(recipe: Recipe) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        engine = engine_for(recipe, Path(tmp))
        assert compute_matrix(engine) == oracle_matrix(engine)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(recipe=recipes())
def test_endpoints_that_share_placements_equal_oracle(recipe: Recipe) -> None:
    """With an `sg:` endpoint per group beside the workloads, endpoints share placements (a placement
    never pairs with itself, so those pairs are judged one by one)."""
    with tempfile.TemporaryDirectory() as tmp:
        engine = engine_for(recipe, Path(tmp))
        extra = []
        for g in sorted(engine.inventory.security_groups):
            try:
                extra.append(engine.resolve(f"sg:{g}"))
            except SelectorError:
                continue  # a group with no member interfaces matches nothing
        note(f"{len(extra)} group endpoints")
        everyone = [*engine.endpoints(), *extra, engine.resolve("internet")]
        mine = compute_pair_traffic(engine, everyone, everyone)
        ref = oracle_pair_traffic(engine, everyone, everyone)
        assert mine == ref, "matrix and oracle differ:\n" + describe_differences(mine, ref)
