"""The typed registry of check functions that rule files name in ``check.function``.

Rules declare (YAML); check functions compute (Python). A check registers under a name with the
pydantic model of its parameters::

    @register_check("internet-ports", params=InternetPortsParams)
    def internet_ports(ctx: CheckContext, spec: RuleSpec, params: InternetPortsParams) -> Iterable[Finding]:
        ...

Loading a rule validates its ``check.params`` with that model, so a typo in a rule file fails at load
time, with the file and line, not in the middle of a run.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from sgaudit.findings import Finding
from sgaudit.rulepack.params import CheckParams

if TYPE_CHECKING:
    from sgaudit.checks.context import CheckContext
    from sgaudit.rulepack.spec import RuleSpec

P = TypeVar("P", bound=CheckParams)

CheckFunction = Callable[["CheckContext", "RuleSpec", P], Iterable[Finding]]
"""``(ctx, spec, params) -> findings``; checks read the snapshot through ``ctx`` and never call AWS."""


@dataclass(frozen=True)
class RegisteredCheck(Generic[P]):
    """A check function with its name and parameter model."""

    name: str
    params_model: type[P]
    function: CheckFunction[P]

    @property
    def doc(self) -> str:
        """The first line of the function's docstring."""
        return (self.function.__doc__ or "").strip().splitlines()[0] if self.function.__doc__ else ""

    def run(self, ctx: CheckContext, spec: RuleSpec) -> list[Finding]:
        """Run the check for one rule; the rule's params were validated with ``params_model`` at load."""
        params = spec.check.params
        if not isinstance(params, self.params_model):
            params = self.params_model.model_validate(params.model_dump())
        return list(self.function(ctx, spec, params))


_REGISTRY: dict[str, RegisteredCheck[Any]] = {}


def register_check(name: str, *, params: type[P]) -> Callable[[CheckFunction[P]], CheckFunction[P]]:
    """Register a check function under ``name`` with its parameter model."""

    def decorate(function: CheckFunction[P]) -> CheckFunction[P]:
        existing = _REGISTRY.get(name)
        if existing is not None and existing.function is not function:
            raise RuntimeError(f"check {name!r} is registered twice")
        _REGISTRY[name] = RegisteredCheck(name=name, params_model=params, function=function)
        return function

    return decorate


def _ensure_builtin_checks() -> None:
    # The built-in checks register on import; importing here (not at module level) avoids an import
    # cycle, since the check modules import this one.
    import sgaudit.checks  # noqa: F401, PLC0415


def get_check(name: str) -> RegisteredCheck[Any]:
    """The registered check ``name``; ``ValueError`` naming the closest known names otherwise."""
    _ensure_builtin_checks()
    try:
        return _REGISTRY[name]
    except KeyError:
        close = difflib.get_close_matches(name, list(_REGISTRY), n=3)
        hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
        raise ValueError(f"unknown check function {name!r}{hint}") from None


def registered_checks() -> Mapping[str, RegisteredCheck[Any]]:
    """Every registered check, by name."""
    _ensure_builtin_checks()
    return dict(sorted(_REGISTRY.items()))
