"""``--format junit``: JUnit XML for GitLab, Jenkins and any CI test-report viewer.

One ``<testsuite>`` per rule, one ``<testcase>`` per (rule, resource): ``<failure>`` when the resource
has unsuppressed findings, ``<skipped>`` when all of its findings are suppressed, and one passing case
for a rule without findings, so a CI dashboard shows what was checked and not only what failed. A
first suite, ``snapshot``, errors when the snapshot is incomplete: a report built from partial data
must not look green. The XML is produced by ElementTree (which escapes text and attributes) from
strings whose XML-illegal characters were replaced first.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from sgaudit.findings import Finding, ReportContext, RuleInfo
from sgaudit.formats._common import clean, findings_by_rule, one_line, rule_catalogue, snapshot_errors

_PASSING_CASE = "no findings"


def render(ctx: ReportContext) -> str:
    """The JUnit XML document."""
    root = ET.Element("testsuites", {"name": "sgaudit"})
    suites = [_snapshot_suite(ctx)]
    grouped = findings_by_rule(ctx.report.findings)
    suites.extend(_rule_suite(rule, grouped.get(rule.id, [])) for rule in rule_catalogue(ctx))
    for key in ("tests", "failures", "errors", "skipped"):
        root.set(key, str(sum(int(s.get(key, "0")) for s in suites)))
    root.set("time", "0")
    root.extend(suites)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _suite(name: str, cases: list[ET.Element]) -> ET.Element:
    suite = ET.Element("testsuite", {"name": name})
    suite.set("tests", str(len(cases)))
    suite.set("failures", str(sum(1 for c in cases if c.find("failure") is not None)))
    suite.set("errors", str(sum(1 for c in cases if c.find("error") is not None)))
    suite.set("skipped", str(sum(1 for c in cases if c.find("skipped") is not None)))
    suite.set("time", "0")
    suite.extend(cases)
    return suite


def _case(classname: str, name: str) -> ET.Element:
    return ET.Element("testcase", {"classname": classname, "name": name, "time": "0"})


def _snapshot_suite(ctx: ReportContext) -> ET.Element:
    case = _case("sgaudit.snapshot", "snapshot is complete")
    errors = snapshot_errors(ctx)
    if not ctx.report.snapshot.complete:
        error = ET.SubElement(
            case,
            "error",
            {
                "type": "incomplete",
                "message": f"snapshot is INCOMPLETE: {len(errors)} collection calls failed",
            },
        )
        error.text = "\n".join(errors) or "the manifest records failed calls"
    return _suite("snapshot", [case])


def _rule_suite(rule: RuleInfo, findings: list[Finding]) -> ET.Element:
    classname = f"sgaudit.{clean(rule.name)}"
    by_resource: dict[str, list[Finding]] = {}
    for f in findings:
        by_resource.setdefault(f.resource, []).append(f)
    cases: list[ET.Element] = []
    for resource in sorted(by_resource):
        case = _case(classname, one_line(resource))
        group = by_resource[resource]
        failing = [f for f in group if not f.suppressed]
        if failing:
            first = failing[0]
            message = one_line(first.message)
            if len(failing) > 1:
                message += f" (+{len(failing) - 1} more)"
            failure = ET.SubElement(case, "failure", {"type": first.severity.value, "message": message})
            failure.text = "\n\n".join(_failure_text(f) for f in group)
        else:
            reasons = "; ".join(_suppression_text(f) for f in group)
            ET.SubElement(case, "skipped", {"message": f"suppressed: {reasons}"})
        cases.append(case)
    if not cases:
        cases.append(_case(classname, _PASSING_CASE))
    suite = _suite(f"{clean(rule.name)} ({clean(rule.id)})", cases)
    properties = ET.Element("properties")
    for key, value in (("rule", rule.id), ("severity", rule.severity.value), ("title", rule.title)):
        ET.SubElement(properties, "property", {"name": key, "value": clean(value)})
    suite.insert(0, properties)
    return suite


def _failure_text(finding: Finding) -> str:
    lines = [f"[{finding.severity.value}] {clean(finding.name)} on {clean(finding.resource)}"]
    if finding.suppressed:
        lines[0] += f" (suppressed: {_suppression_text(finding)})"
    lines.append(clean(finding.message))
    if finding.arn:
        lines.append(f"arn: {clean(finding.arn)}")
    if finding.fix is not None:
        lines.append(f"Fix: {clean(finding.fix.summary)}")
        if finding.fix.aws_cli:
            lines.append(clean(finding.fix.aws_cli))
        if finding.fix.terraform:
            lines.append(clean(finding.fix.terraform))
    return "\n".join(lines)


def _suppression_text(finding: Finding) -> str:
    if finding.suppression is None:
        return "suppressed"
    text = f"{finding.suppression.kind}: {one_line(finding.suppression.reason)}"
    if finding.suppression.expires:
        text += f" (until {one_line(finding.suppression.expires)})"
    return text
