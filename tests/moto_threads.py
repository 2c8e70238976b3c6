"""Make moto's per-request response tweaks request-local, so the collector's worker threads can
share one moto.

moto keeps ``RESPONSE_KEY_PATH_TO_TRANSFORMER`` as one dict per response class and *writes* to it
while answering some requests: ECS DescribeTasks/DescribeServices/DescribeClusters add or replace
the tags entry depending on ``include``, EC2 CreateVpcPeeringConnection adds a status entry. Two
threads answering at once then race: one iterates the dict while the other grows it
("RuntimeError: dictionary changed size during iteration" in moto's serializer, seen in CI), and
one request's ``include`` can leak into another's answer. AWS has no such coupling between calls,
so the tests give every response object (moto makes one per request) its own copy of the dict.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from moto.core.responses import BaseResponse

_ORIGINAL_INIT = BaseResponse.__init__


def _init_with_own_transformers(self: BaseResponse, *args: Any, **kwargs: Any) -> None:
    _ORIGINAL_INIT(self, *args, **kwargs)
    # The class's dict stays as moto declared it; this request's writes go to the copy.
    self.RESPONSE_KEY_PATH_TO_TRANSFORMER = dict(type(self).RESPONSE_KEY_PATH_TO_TRANSFORMER)


def request_local_transformers(setattr_: Callable[[Any, str, Any], None] = setattr) -> None:
    """Patch moto's ``BaseResponse`` so each response gets its own transformer dict.

    ``setattr_`` is ``monkeypatch.setattr`` in fixtures (undone with the fixture) and the builtin
    in the ``moto_server`` process (kept for the life of the process).
    """
    setattr_(BaseResponse, "__init__", _init_with_own_transformers)
