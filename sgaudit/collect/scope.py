"""One account and region of a collection: its clients, its call tallies and its output files.

Collectors never call boto3 directly: they go through :class:`ScopeContext`, which pages and
batches as the plan says, counts requests, catches only botocore's errors, records them, and marks
every operation that depends on a failed one as failed too. Work is expressed as :class:`Job`
objects that return their follow-up jobs instead of waiting on them, so one thread pool can run
every scope's calls without a worker ever blocking on another.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from sgaudit.collect.plan import PLAN, OperationSpec, dependents
from sgaudit.snapshot.manifest import CallRecord, ScopeRecord

log = logging.getLogger(__name__)

# One raw AWS response object, exactly as boto3 parsed it: this package's parsing boundary.
JsonObject = dict[str, Any]

DEPENDENCY_FAILED = "DependencyFailed"
_MESSAGE_LIMIT = 300


@dataclass(frozen=True)
class Job:
    """A unit of work for the thread pool; running it returns the jobs its result enables."""

    label: str
    run: Callable[[], Sequence[Job]]


@dataclass
class _Tally:
    """Mutable outcome of one operation in one scope, summed over its pages and batches."""

    calls: int = 0
    error_code: str | None = None
    message: str | None = None

    @property
    def ok(self) -> bool:
        return self.error_code is None


def error_code(exc: ClientError | BotoCoreError) -> tuple[str, str]:
    """The AWS error code (or botocore exception name) and a bounded message of a failure."""
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        code = str(error.get("Code") or "ClientError")
        message = str(error.get("Message") or exc)
    else:
        # Connection, timeout and parse failures have no AWS code: the exception name says which.
        code = type(exc).__name__
        message = str(exc)
    return code, message[:_MESSAGE_LIMIT]


def chunks(items: Sequence[str], size: int) -> list[list[str]]:
    """``items`` split into consecutive lists of at most ``size``."""
    return [list(items[i : i + size]) for i in range(0, len(items), size)]


@dataclass
class ScopeContext:
    """Clients, call tallies and collected items of one account and region."""

    account: str
    region: str
    clients: Mapping[str, Any]
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _tallies: dict[str, _Tally] = field(default_factory=dict, repr=False)
    _outputs: dict[str, list[Any]] = field(default_factory=dict, repr=False)
    _claimed: set[str] = field(default_factory=set, repr=False)

    @property
    def path(self) -> str:
        """Folder of this scope inside the snapshot (DESIGN.md section 2)."""
        return f"accounts/{self.account}/{self.region}"

    def label(self, entry: OperationSpec) -> str:
        """A short progress label for one operation of this scope."""
        return f"{self.account}/{self.region} {entry.service}:{entry.operation}"

    # --- calling AWS -------------------------------------------------------------------------

    def paginate(self, entry: OperationSpec, **params: Any) -> list[Any] | None:
        """Every item of ``entry`` across all pages, or None when a page failed (recorded)."""
        if entry.page_size is None:
            raise ValueError(f"{entry.operation} has no page size in the plan")
        paginator = self.clients[entry.service].get_paginator(entry.method)
        pages = paginator.paginate(
            **entry.extra_params, **params, PaginationConfig={"PageSize": entry.page_size}
        )
        items: list[Any] = []
        calls = 0
        try:
            for page in pages:
                calls += 1
                items.extend(page.get(entry.result_key, []))
        except (ClientError, BotoCoreError) as exc:
            # The request for page `calls + 1` is the one that failed.
            self._record(entry, calls + 1, exc)
            return None
        self._record(entry, calls)
        return items

    def call(self, entry: OperationSpec, **params: Any) -> JsonObject | None:
        """One request of ``entry``; its response, or None when it failed (recorded)."""
        method = getattr(self.clients[entry.service], entry.method)
        try:
            response: JsonObject = method(**entry.extra_params, **params)
        except (ClientError, BotoCoreError) as exc:
            self._record(entry, 1, exc)
            return None
        self._record(entry, 1)
        response.pop("ResponseMetadata", None)
        return response

    def _record(
        self, entry: OperationSpec, calls: int, exc: ClientError | BotoCoreError | None = None
    ) -> None:
        with self._lock:
            tally = self._tallies.setdefault(entry.operation, _Tally())
            tally.calls += calls
            if exc is None:
                return
            code, message = error_code(exc)
            log.info("%s failed: %s: %s", self.label(entry), code, message)
            if tally.ok:
                tally.error_code, tally.message = code, message
            for dependent in dependents(entry):
                dep = self._tallies.setdefault(dependent.operation, _Tally())
                if dep.ok:
                    dep.error_code = DEPENDENCY_FAILED
                    dep.message = f"input incomplete: {entry.service}:{entry.operation} failed with {code}"

    # --- results -----------------------------------------------------------------------------

    def add(self, entry: OperationSpec, items: Iterable[Any]) -> None:
        """Append ``items`` to ``entry``'s output file (created on the first successful call)."""
        if entry.output_key is None:
            raise ValueError(f"{entry.operation} has no output file in the plan")
        with self._lock:
            self._outputs.setdefault(entry.operation, []).extend(items)

    def claim(self, keys: Iterable[str]) -> list[str]:
        """The keys not claimed before, now claimed: for calls made once per distinct id."""
        with self._lock:
            fresh = [k for k in dict.fromkeys(keys) if k not in self._claimed]
            self._claimed.update(fresh)
        return fresh

    def update_item(self, item: JsonObject, key: str, value: Any) -> None:
        """Set ``item[key]`` under the scope lock (items are shared with the output lists)."""
        with self._lock:
            item[key] = value

    # --- job builders ------------------------------------------------------------------------

    def listing(
        self,
        entry: OperationSpec,
        then: Callable[[list[Any]], Sequence[Job]] | None = None,
        **params: Any,
    ) -> Job:
        """A job that pages through ``entry``, files the items, and hands them to ``then``."""

        def run() -> Sequence[Job]:
            items = self.paginate(entry, **params)
            if items is None:
                return []
            if entry.output_key is not None:
                self.add(entry, items)
            return then(items) if then else []

        return Job(self.label(entry), run)

    def batches(
        self,
        entry: OperationSpec,
        ids: Sequence[str],
        then: Callable[[list[Any]], Sequence[Job]] | None = None,
        **params: Any,
    ) -> list[Job]:
        """Jobs describing ``ids`` in the largest batches ``entry`` accepts."""
        if entry.batch_param is None or entry.batch_size is None:
            raise ValueError(f"{entry.operation} is not a batch operation in the plan")
        batch_param = entry.batch_param

        def job(chunk: list[str]) -> Job:
            def run() -> Sequence[Job]:
                response = self.call(entry, **{batch_param: chunk}, **params)
                if response is None:
                    return []
                items = response.get(entry.result_key, [])
                for failure in response.get("failures", []):
                    # e.g. MISSING: deleted between the list and the describe call.
                    log.debug("%s: %s", self.label(entry), failure)
                self.add(entry, items)
                return then(items) if then else []

            return Job(self.label(entry), run)

        return [job(chunk) for chunk in chunks(ids, entry.batch_size)]

    # --- the end -----------------------------------------------------------------------------

    def finish(self) -> tuple[ScopeRecord, dict[str, JsonObject]]:
        """The manifest record of this scope and its output files (relative path -> content).

        An operation that depends on others and was never called had no input (no VPC, no
        cluster): it succeeded with zero requests and its file is an empty list. A failed
        operation that never succeeded has no file, so a gap never looks like "nothing there".
        """
        records: list[CallRecord] = []
        files: dict[str, JsonObject] = {}
        with self._lock:
            for entry in PLAN:
                tally = self._tallies.get(entry.operation)
                if tally is None:
                    if not entry.depends_on:
                        raise RuntimeError(f"internal error: {self.label(entry)} was never run")
                    tally = _Tally()
                    if entry.output_key is not None:
                        self._outputs.setdefault(entry.operation, [])
                records.append(
                    CallRecord(
                        service=entry.service,
                        operation=entry.operation,
                        ok=tally.ok,
                        calls=tally.calls,
                        error_code=tally.error_code,
                        message=tally.message,
                    )
                )
                if entry.file_name and entry.output_key and entry.operation in self._outputs:
                    files[f"{self.path}/{entry.file_name}"] = {
                        entry.output_key: self._outputs[entry.operation]
                    }
        record = ScopeRecord(account=self.account, region=self.region, path=self.path, calls=records)
        return record, files
