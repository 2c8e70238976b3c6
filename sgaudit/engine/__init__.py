"""The graph and reachability engine: endpoints, selectors, exact pair evaluation, paths and fixes.

The contract is the public names exported here (models in `models.py`, `Engine` in `core.py`); the
semantics are `docs/semantics.md`.
"""

from sgaudit.engine.core import Engine
from sgaudit.engine.models import (
    DEFAULT_EPHEMERAL_PORTS,
    Blocker,
    Endpoint,
    EndpointKind,
    EngineOptions,
    Exposure,
    ExposurePath,
    Flow,
    Hop,
    Listeners,
    PairResult,
    PairVerdict,
    PathResult,
    Placement,
    SuggestedFix,
    Tri,
    Verdict,
)

__all__ = [
    "DEFAULT_EPHEMERAL_PORTS",
    "Blocker",
    "Endpoint",
    "EndpointKind",
    "Engine",
    "EngineOptions",
    "Exposure",
    "ExposurePath",
    "Flow",
    "Hop",
    "Listeners",
    "PairResult",
    "PairVerdict",
    "PathResult",
    "Placement",
    "SuggestedFix",
    "Tri",
    "Verdict",
]
