"""Faults injected on demand into API answers: definition, validation and matching."""

from __future__ import annotations

import re
from dataclasses import dataclass

FAULT_KINDS = frozenset({"status", "rate_limit", "delay", "hang", "drop", "malformed_json", "html", "wrong_shape", "huge", "trickle"})
STATUS_QUERIES = frozenset({"live", "queued", "none"})
METHODS = frozenset({"GET", "DELETE", "POST"})
# kinds whose answer is the normal one (late or slow): the request always takes effect, once
NORMAL_ANSWER_KINDS = frozenset({"delay", "trickle"})
FAULT_KEYS = frozenset({
    "kind", "times", "call_uuid", "path_regex", "status_query", "method", "takes_effect",
    "status", "code", "message", "body", "content_type", "plivo",
    "retry_after", "details_retry_after", "seconds",
    "megabytes", "chunked", "interval", "chunk_bytes",
})


class FaultError(ValueError):
    """A fault definition that cannot be used."""


@dataclass
class Fault:
    fault_id: str
    kind: str
    spec: dict
    remaining: int | None  # None: applies forever
    call_uuid: str | None = None
    path_regex: re.Pattern | None = None
    status_query: str | None = None
    method: str | None = None
    hits: int = 0

    @property
    def takes_effect(self) -> bool:
        """Whether the request is carried out before the fault's answer replaces the normal one (a lost 204)."""
        return bool(self.spec.get("takes_effect"))

    def matches(self, path: str, call_uuid: str | None, status_query: str, method: str = "GET") -> bool:
        if self.remaining is not None and self.remaining <= 0:
            return False
        if self.method is not None and self.method != method:
            return False
        if self.call_uuid is not None and self.call_uuid != call_uuid:
            return False
        if self.status_query is not None and self.status_query != status_query:
            return False
        return self.path_regex is None or self.path_regex.search(path) is not None

    def consume(self) -> None:
        self.hits += 1
        if self.remaining is not None:
            self.remaining -= 1

    @property
    def expired(self) -> bool:
        return self.remaining is not None and self.remaining <= 0

    def describe(self) -> dict:
        return {"id": self.fault_id, "kind": self.kind, "remaining": self.remaining, "hits": self.hits, "spec": self.spec}


def _optional_int(spec: dict, key: str) -> int | None:
    value = spec.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise FaultError(f"'{key}' must be a non-negative integer or null")
    return value


def _check_number(spec: dict, key: str) -> None:
    value = spec.get(key)
    if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0):
        raise FaultError(f"'{key}' must be a non-negative number")


def _check_kind_options(kind: str, spec: dict) -> None:
    if kind == "status":
        status = spec.get("status")
        if not isinstance(status, int) or not 100 <= status <= 599:
            raise FaultError("a 'status' fault needs an HTTP 'status' between 100 and 599")
    if kind == "html" and not isinstance(spec.get("status", 502), int):
        raise FaultError("'status' must be an integer")
    if kind == "status" and not isinstance(spec.get("body", ""), str):
        raise FaultError("a 'status' fault's 'body' must be a string")
    for key in ("seconds", "megabytes", "interval", "details_retry_after"):
        _check_number(spec, key)
    if spec.get("chunk_bytes") is not None and _optional_int(spec, "chunk_bytes") == 0:
        raise FaultError("'chunk_bytes' must be at least 1")


def parse_fault(spec: dict, fault_id: str) -> Fault:
    """A Fault from its control-API form; raises FaultError with a message for the caller."""
    if not isinstance(spec, dict):
        raise FaultError("a fault must be a JSON object")
    kind = spec.get("kind")
    if kind not in FAULT_KINDS:
        raise FaultError(f"unknown fault kind {kind!r}; expected one of {sorted(FAULT_KINDS)}")
    unknown = set(spec) - FAULT_KEYS
    if unknown:
        raise FaultError(f"unknown fault keys {sorted(unknown)}")
    _check_kind_options(kind, spec)
    status_query = spec.get("status_query")
    if status_query is not None and status_query not in STATUS_QUERIES:
        raise FaultError(f"'status_query' must be one of {sorted(STATUS_QUERIES)}")
    method = spec.get("method")
    if method is not None and method not in METHODS:
        raise FaultError(f"'method' must be one of {sorted(METHODS)}")
    if spec.get("takes_effect") and kind in NORMAL_ANSWER_KINDS:
        raise FaultError(f"'takes_effect' does not apply to a {kind!r} fault, whose request always takes effect")
    try:
        path_regex = re.compile(spec["path_regex"]) if spec.get("path_regex") else None
    except re.error as error:
        raise FaultError(f"bad path_regex: {error}") from error
    return Fault(
        fault_id=fault_id,
        kind=kind,
        spec=dict(spec),
        remaining=_optional_int(spec, "times"),
        call_uuid=spec.get("call_uuid"),
        path_regex=path_regex,
        status_query=status_query,
        method=method,
    )
