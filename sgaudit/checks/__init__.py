"""The built-in checks (one module per check function) and the runner the ``check`` command calls.

Importing this package registers every check with :mod:`sgaudit.rulepack.registry`.
"""

from sgaudit.checks import (
    all_ports_rule,
    broad_cidr,
    default_sg_in_use,
    ecs_public_ip,
    half_open_reference,
    intent_blocked,
    intent_violated,
    internet_ports,
    nacl_return_blocked,
    public_database,
    redundant_rule,
    service_sg_drift,
    stale_reference,
    unrestricted_egress,
    unused_security_group,
)
from sgaudit.checks.context import CheckContext, GroupUse
from sgaudit.checks.intents import IntentCase, evaluate_intents
from sgaudit.checks.runner import Baseline, CheckOutcome, ExpiredSuppression, load_baseline, run_checks

__all__ = [
    "Baseline",
    "CheckContext",
    "CheckOutcome",
    "ExpiredSuppression",
    "GroupUse",
    "IntentCase",
    "all_ports_rule",
    "broad_cidr",
    "default_sg_in_use",
    "ecs_public_ip",
    "evaluate_intents",
    "half_open_reference",
    "intent_blocked",
    "intent_violated",
    "internet_ports",
    "load_baseline",
    "nacl_return_blocked",
    "public_database",
    "redundant_rule",
    "run_checks",
    "service_sg_drift",
    "stale_reference",
    "unrestricted_egress",
    "unused_security_group",
]
