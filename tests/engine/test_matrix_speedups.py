"""The shared tables of the matrix join (one bucket -> result table per destination location and
ingress results, covers shared by every destination of a profile) agree with evaluating every pair
of points one by one, on random small estates (`tests.engine.estate_recipes`)."""

from __future__ import annotations

import tempfile
from collections import Counter
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
        join = matrix._Join(m, src)
        # Twice over: the second pass is answered from the tables the first one filled.
        for _ in range(2):
            for pd in dst.points:
                for fam in pd.addr:
                    ci, ri, cr, rr = join.sources_for(pd, fam)
                    want_if: dict[int, int] = {}
                    want_ranges: Counter[tuple[int, int]] = Counter()
                    for ps in join.arrays[fam].points:
                        r = m.evaluate(ps, pd, fam)
                        if not r:
                            continue
                        if ps.cls.interface:
                            want_if[ps.cls.idx] = r
                        else:
                            want_ranges[(ps.cls.idx, r)] += 1
                    got_if = dict(zip(ci.tolist(), ri.tolist(), strict=True))
                    assert len(got_if) == len(ci), "an interface class listed twice"
                    assert got_if == want_if, (pd.cls.kind, fam)
                    got_ranges = Counter(zip(cr.tolist(), rr.tolist(), strict=True))
                    assert got_ranges == want_ranges, (pd.cls.kind, fam)
