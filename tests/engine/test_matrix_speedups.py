"""The shared tables of the matrix join (one bucket -> result table per destination location and
ingress results, run fillings kept across destinations) agree with evaluating every pair of points
one by one, on random small estates (`tests.engine.estate_recipes`)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings

from sgaudit.engine import matrix
from tests.engine.estate_recipes import Recipe, engine_for, recipes


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(recipe=recipes())
def test_join_equals_pointwise_evaluation(recipe: Recipe) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        engine = engine_for(recipe, Path(tmp))
        srcs, dsts = matrix.select_endpoints(engine, None, None, True)
        m = matrix._Matrix(engine)
        m.finish_segments(p for e in (*srcs, *dsts) for p in e.placements)
        src = matrix._Side(m, "src", srcs)
        dst = matrix._Side(m, "dst", dsts)
        join = matrix._Join(m, src, matrix._Pairs(m))
        # Twice over: the second pass is answered from the tables the first one filled.
        for _ in range(2):
            for pd in dst.points:
                for fam in pd.addr:
                    for iface in (True, False):
                        got = join.sources_for(pd, fam, iface)
                        arr = join.arrays[(fam, iface)]
                        want: dict[int, int] = {}
                        for ps, key in zip(arr.points, arr.keys, strict=True):
                            r = m.evaluate(ps, pd, fam)
                            if r:
                                want[key] = r
                        assert got == want, (pd.cls.kind, fam, iface)
