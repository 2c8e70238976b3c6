"""The graph and reachability engine: endpoints, selectors, exact pair evaluation, paths and fixes.

See `/work/notes/engine-api.md` for the contract and `/work/notes/semantics.md` for the semantics.
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
