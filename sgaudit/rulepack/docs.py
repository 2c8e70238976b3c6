"""Generate ``docs/rules.md`` from the built-in catalogue.

Regenerate after changing a rule file::

    python -m sgaudit.rulepack.docs --write docs/rules.md

A test fails when the committed file differs from what this prints.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from pathlib import Path

from sgaudit.rulepack.loader import RulePack, load_rulepack
from sgaudit.rulepack.spec import RuleSpec

REGENERATE = "python -m sgaudit.rulepack.docs --write docs/rules.md"


def _anchor(rule: RuleSpec) -> str:
    return f"{rule.id.lower()}-{rule.name}"


def _rule_section(rule: RuleSpec) -> list[str]:
    out = [
        f"## {rule.id} {rule.name}",
        "",
        f"**{rule.title}**",
        "",
        f"- Severity: `{rule.severity.value}`",
        f"- Check: `{rule.check.function}`",
    ]
    if rule.references.security_hub:
        out.append(f"- Security Hub controls: {', '.join(rule.references.security_hub)}")
    if rule.tags:
        out.append(f"- Tags: {', '.join(f'`{t}`' for t in rule.tags)}")
    out += ["", rule.description.strip(), "", f"**Risk.** {rule.risk.strip()}", ""]
    out += [f"**Remediation.** {rule.remediation.text.strip()}", ""]
    if rule.remediation.aws_cli:
        out += ["```sh", rule.remediation.aws_cli.strip(), "```", ""]
    if rule.remediation.terraform:
        out += ["```hcl", rule.remediation.terraform.rstrip(), "```", ""]
    params = rule.params.model_dump(mode="json")
    if params:
        out += ["Parameters (override under `settings.rules.<name>.params` in `sgaudit.yaml`):", ""]
        out += ["| parameter | default |", "| --- | --- |"]
        out += [f"| `{k}` | `{json.dumps(v)}` |" for k, v in params.items()]
        out.append("")
    if rule.references.docs:
        out += ["References:", ""]
        out += [f"- <{u}>" for u in rule.references.docs]
        out.append("")
    return out


def render_markdown(pack: RulePack) -> str:
    """The catalogue as Markdown: a summary table, then one section per rule."""
    lines = [
        "# Rule catalogue",
        "",
        f"<!-- Generated from rules/*.yaml by `{REGENERATE}`; do not edit by hand. -->",
        "",
        "Every rule is a YAML file in `rules/` that names a registered check function and its typed",
        "parameters. `sgaudit rules list` prints this table and `sgaudit rules show ID` one rule.",
        "Findings can be suppressed in `sgaudit.yaml` (`suppressions:` with a reason and optional",
        "`expires:`), by an `sgaudit:ignore` tag on the resource listing rule names, or by a baseline",
        "(`--baseline findings.json`).",
        "",
        "| id | name | severity | title |",
        "| --- | --- | --- | --- |",
    ]
    lines += [f"| {r.id} | [{r.name}](#{_anchor(r)}) | {r.severity.value} | {r.title} |" for r in pack.rules]
    lines.append("")
    lines += _CONFIG.splitlines()
    lines.append("")
    for rule in pack.rules:
        lines += _rule_section(rule)
    return "\n".join(lines).rstrip() + "\n"


_CONFIG = """\
## Configuration (`sgaudit.yaml`)

`sgaudit check` reads `sgaudit.yaml` from the working directory, or the file given with `--intents`.
Every key is validated; a misspelt key is an error naming the file and line (exit 2).

```yaml
intents:                       # flows the team requires or forbids
  - name: api-reaches-db
    from: ecs:prod/api         # selectors as everywhere in sgaudit
    to: rds:prod-db
    port: 5432                 # default: the destination's listening port
    protocol: tcp              # default tcp
    expect: reachable          # or blocked
suppressions:                  # accepted findings; they stay in the output, marked suppressed
  - rule: unrestricted-egress  # rule name or id (globs allowed)
    resource: sg-0123*         # resource id, selector or ARN (globs allowed; default: all)
    reason: egress is filtered by the proxy tier     # mandatory
    expires: 2026-01-31        # optional: after this day it stops applying and is reported
settings:
  ephemeral_ports:             # client ports of NACL return legs, by client kind
    ecs_task: 32768-60999
    load_balancer: 1024-65535
  port_lists:                  # replaces the `ports` of every rule with that `port_list`
    admin: [22, 3389, 5985-5986]          # names: admin, database, high_risk
  rules:                       # per rule (name or id): enabled, severity, params
    broad-cidr: {severity: low, params: {factor: 64}}
    unrestricted-egress: {enabled: false}
```

Besides the written intents, sgaudit infers likely ones and checks them the same way, labelled
`inferred` with the reason: a security-group reference whose other side allows nothing, a load
balancer's target group and its targets' port, and a database endpoint named in an ECS task
definition's (or a Lambda function's) environment. Only the variable's name is ever shown, never its
value.

A resource tag `sgaudit:ignore` listing rule names or ids (comma separated, `*` for all) suppresses
those rules' findings on that resource. `--baseline findings.json` marks every finding already in a
previous report as suppressed (kind `baseline`), so `--fail-on` counts only new ones."""


def main(argv: Sequence[str] | None = None) -> int:
    """Print the Markdown, or write it with ``--write FILE``."""
    parser = argparse.ArgumentParser(prog="python -m sgaudit.rulepack.docs", description=__doc__)
    parser.add_argument("--write", type=Path, metavar="FILE", help="write to FILE instead of printing")
    args = parser.parse_args(argv)
    text = render_markdown(load_rulepack())
    if args.write:
        args.write.write_text(text, encoding="utf-8")
    else:
        print(text, end="")
    return 0


if __name__ == "__main__":
    main()
