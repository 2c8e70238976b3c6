"""One parametrised test over ``tests/rules/<rule-name>/``: run the whole catalogue on the folder's
estate and compare that rule's findings with ``expected.yaml`` (see README.md)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fixture_harness import evaluate, fixture_folders, load_expected

from sgaudit.rulepack import RulePack


@pytest.mark.parametrize("folder", fixture_folders(), ids=lambda p: p.name)
def test_rule_fixture(folder: Path, builtin_pack: RulePack, tmp_path: Path) -> None:
    expected = load_expected(folder)
    assert expected.rule == folder.name, "a fixture folder is named after its rule"
    unknown = set(expected.failing) | set(expected.passing) | set(expected.contains)
    outcome, labels = evaluate(folder, tmp_path / "snapshot", builtin_pack)
    assert unknown <= set(labels), f"labels missing from estate.py: {sorted(unknown - set(labels))}"
    findings = [f for f in outcome.findings if f.name == expected.rule]
    got = {f.resource for f in findings}
    want = {labels[x] for x in expected.failing}
    names = {v: k for k, v in labels.items()}
    assert got == want, (
        f"{expected.rule}: expected findings on {sorted(expected.failing)},"
        f" got {sorted(names.get(r, r) for r in got)}:\n" + "\n".join(f.message for f in findings)
    )
    for label in expected.passing:
        assert labels[label] not in got
    for label, needles in expected.contains.items():
        text = " ".join(f.message for f in findings if f.resource == labels[label])
        for needle in needles:
            assert needle in text, f"{label}: {needle!r} not in {text!r}"
    for f in findings:
        assert f.fix is not None and f.fix.summary, f"{f.resource}: every finding carries a fix"
        assert f.evidence, f"{f.resource}: every finding carries evidence"
        assert json.loads(f.model_dump_json())["fingerprint"] == f.fingerprint  # JSON-safe evidence
