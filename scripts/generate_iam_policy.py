"""Regenerate the IAM policy of collection from the collection plan (``sgaudit.collect.plan``).

Writes ``sgaudit/data/iam-policy.json`` and the marked action lists of ``deploy/template.yaml`` and
``deploy/member-role.yaml``. Run it after adding an operation to the plan:

    python scripts/generate_iam_policy.py

``tests/lambda/test_lambda_iam.py`` fails while any of the three is out of date.
"""

from __future__ import annotations

from pathlib import Path

from sgaudit.iam import write_generated

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    """Rewrite the generated files and say which changed."""
    changed = write_generated(ROOT)
    for path in changed:
        print(f"updated {path.relative_to(ROOT)}")
    if not changed:
        print("IAM policy files are up to date")


if __name__ == "__main__":
    main()
