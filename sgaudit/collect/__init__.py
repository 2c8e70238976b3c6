"""Read-only collection (``sgaudit collect``): boto3 Describe/List/Get calls into a snapshot.

The only part of sgaudit that talks to AWS. What it calls is the table in :mod:`.plan`; how it
calls (paging, batching, recording failures) is :mod:`.scope`; one module per service says what
follows from what.
"""

from sgaudit.collect.plan import PLAN, OperationSpec, iam_actions
from sgaudit.collect.runner import (
    CollectOptions,
    CollectResult,
    ProgressListener,
    collect_snapshot,
    default_output,
)

__all__ = [
    "PLAN",
    "CollectOptions",
    "CollectResult",
    "OperationSpec",
    "ProgressListener",
    "collect_snapshot",
    "default_output",
    "iam_actions",
]
