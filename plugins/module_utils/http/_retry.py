# -*- coding: utf-8 -*-
# Copyright: vobiz.telephony contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# This module_utils is private to the vobiz.telephony collection: its API may change without notice.

"""The retry policy of the HTTP client: which failures are transient (is_transient), which prove that the server did
not act on a request (proves_not_received), whether a failed request may have acted (may_have_taken_effect), and
the one back-off honouring Retry-After (backoff_delay, parse_retry_after). The event source paces its looks on the
same back-off. Standard library only.
"""

from __future__ import annotations

import email.utils
import math
import random
import time

from ansible_collections.vobiz.telephony.plugins.module_utils.http._errors import VobizConnectionError, VobizError, VobizHTTPError

# Statuses worth another try for an idempotent request (GET, DELETE): throttling and transient server or gateway trouble.
TRANSIENT_STATUSES = frozenset((429, 500, 502, 503, 504))


def is_transient(error: VobizError) -> bool:
    """Whether the same request may succeed later: a connection error or time-out other than a TLS failure, or HTTP 429,
    500, 502, 503 or 504. The client retries exactly these; the event source keeps taking rounds after them."""
    if isinstance(error, VobizConnectionError):
        return error.transient
    if isinstance(error, VobizHTTPError):
        return error.status_code in TRANSIENT_STATUSES
    return False


def proves_not_received(error: VobizError) -> bool:
    """Whether the failure proves that the server did not act on the request: HTTP 429 (Vobiz's rate limit refuses the
    request before it is carried out), or a connection that could not be opened. Only these are retried for a request
    that is not idempotent."""
    if isinstance(error, VobizConnectionError):
        return not error.sent
    return isinstance(error, VobizHTTPError) and error.status_code == 429


def may_have_taken_effect(error: VobizError) -> bool:
    """Whether the server may have acted on the failed request: a time-out or a connection lost after sending, a 5xx,
    or a 2xx whose body could not be read. A 4xx (the server refused it) or a connection never opened: no."""
    if isinstance(error, VobizConnectionError):
        return error.sent
    if isinstance(error, VobizHTTPError):
        return error.status_code >= 500
    return error.status_code is None or 200 <= error.status_code < 300


def backoff_delay(attempt: int, base: float, max_wait: float, retry_after: float | None = None) -> float:
    """Seconds to wait before another try after `attempt` + 1 failures in a row (attempt 0 is the first failure).

    What the server asked for (Retry-After, or Vobiz's error.details.retryAfter), up to `max_wait`; else exponential
    back-off from `base` (base, 2 x base, 4 x base ...), with jitter so that clients do not retry in step, up to `max_wait`."""
    if retry_after is not None:
        return min(retry_after, max_wait)
    backoff = base * (2 ** attempt)
    return min(max_wait, backoff / 2 + random.uniform(0, backoff / 2))


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date); None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        pass
    else:
        return max(0.0, seconds) if math.isfinite(seconds) else None
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None or when.tzinfo is None:
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))
