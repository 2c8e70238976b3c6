"""``sgaudit rules list|show ID``: the rule catalogue."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from sgaudit.errors import ExitCode, UsageError
from sgaudit.rulepack import RulePack, RuleSpec, load_rulepack

NAME = "rules"
HELP = "list the rule catalogue, or show one rule"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``sgaudit rules``."""
    parser.add_argument("action", choices=("list", "show"), help="list every rule, or show one")
    parser.add_argument(
        "rule", nargs="?", metavar="ID|NAME", help="the rule to show (id such as SGA003, or name)"
    )
    parser.add_argument(
        "--rules",
        metavar="DIR",
        type=Path,
        action="append",
        default=[],
        help="also load the *.yaml rules of DIR (a rule with a built-in id and name replaces it)",
    )
    parser.add_argument("--format", choices=("text", "json"), default="text")


def render_list(pack: RulePack, fmt: str = "text") -> str:
    """The catalogue as a table (text) or a JSON list of rule metadata."""
    if fmt == "json":
        return json.dumps([r.to_rule_info().model_dump(mode="json") for r in pack.rules], indent=2)
    rows = [("ID", "NAME", "SEVERITY", "TITLE")] + [
        (r.id, r.name, r.severity.value, r.title) for r in pack.rules
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    return "\n".join(
        f"{a:<{widths[0]}}  {b:<{widths[1]}}  {c:<{widths[2]}}  {d}".rstrip() for a, b, c, d in rows
    )


def render_rule(rule: RuleSpec, fmt: str = "text", source: str | None = None) -> str:
    """Every piece of a rule's metadata, including its check and parameters."""
    if fmt == "json":
        doc = rule.model_dump(mode="json")
        doc["source"] = source
        return json.dumps(doc, indent=2)
    lines = [
        f"{rule.id}  {rule.name}  ({rule.severity.value})",
        rule.title,
        "",
        "Description:",
        f"  {rule.description.strip()}",
        "",
        "Risk:",
        f"  {rule.risk.strip()}",
        "",
        "Remediation:",
        f"  {rule.remediation.text.strip()}",
    ]
    if rule.remediation.aws_cli:
        lines += ["", "  AWS CLI:", *(f"    {x}" for x in rule.remediation.aws_cli.strip().splitlines())]
    if rule.remediation.terraform:
        lines += ["", "  Terraform:", *(f"    {x}" for x in rule.remediation.terraform.rstrip().splitlines())]
    if rule.references.security_hub:
        lines += ["", f"Security Hub controls: {', '.join(rule.references.security_hub)}"]
    if rule.references.docs:
        lines += ["", "References:", *(f"  {u}" for u in rule.references.docs)]
    if rule.tags:
        lines += ["", f"Tags: {', '.join(rule.tags)}"]
    params = rule.params.model_dump(mode="json")
    lines += ["", f"Check: {rule.check.function}"]
    lines += [f"  {k}: {json.dumps(v)}" for k, v in params.items()]
    if source:
        lines += ["", f"Defined in: {source}"]
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    """Print the catalogue or one rule; an unknown rule is a usage error (exit 2)."""
    pack = load_rulepack(*args.rules)
    if args.action == "list":
        if args.rule:
            raise UsageError("`rules list` takes no rule; use `sgaudit rules show ID`")
        print(render_list(pack, args.format))
        return int(ExitCode.CLEAN)
    if not args.rule:
        raise UsageError("`rules show` needs a rule id or name, e.g. `sgaudit rules show SGA003`")
    rule = pack.get(args.rule)
    print(render_rule(rule, args.format, pack.sources.get(rule.id)))
    return int(ExitCode.CLEAN)
