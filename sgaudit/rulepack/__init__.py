"""The rule catalogue: `RuleSpec` (one ``rules/*.yaml`` file), loading with file:line errors, the registry.

Rules declare what to find and how to fix it; check functions registered with
:func:`register_check` compute it. ``load_rulepack()`` loads the built-in catalogue shipped as
``sgaudit.rules``; ``load_rulepack(DIR)`` adds (or replaces, by id and name) a team's rules.
"""

from sgaudit.rulepack.loader import RulePack, load_rulepack, parse_rule
from sgaudit.rulepack.params import CheckParams, NoParams, PortSpec, ports_traffic
from sgaudit.rulepack.registry import RegisteredCheck, get_check, register_check, registered_checks
from sgaudit.rulepack.spec import CheckRef, References, Remediation, RuleSpec

__all__ = [
    "CheckParams",
    "CheckRef",
    "NoParams",
    "PortSpec",
    "References",
    "RegisteredCheck",
    "Remediation",
    "RulePack",
    "RuleSpec",
    "get_check",
    "load_rulepack",
    "parse_rule",
    "ports_traffic",
    "register_check",
    "registered_checks",
]
