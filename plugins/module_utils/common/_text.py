# -*- coding: utf-8 -*-
# Copyright: vobiz.telephony contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# This module_utils is private to the vobiz.telephony collection: its API may change without notice.

"""How values appear in messages and events, on both sides: a value without credentials (shown), a URL without
user:password (redact_url), a moment as ISO 8601 UTC (iso_timestamp). Standard library only."""

from __future__ import annotations

import datetime
import re


def redact_url(url: str) -> str:
    """The URL without user:password, for messages (works on URLs too broken to parse)."""
    return re.sub(r"(//)[^/?#]*@", r"\1", url, count=1)


def shown(value: str) -> str:
    """A value for a message: without user:password, quoted, and cut when long."""
    value = redact_url(value)
    return repr(value if len(value) <= 140 else value[:140] + "...")


def iso_timestamp(at: float) -> str:
    """Seconds since the epoch as ISO 8601 UTC with milliseconds, such as 2026-06-11T16:03:28.586Z."""
    moment = datetime.datetime.fromtimestamp(at, tz=datetime.timezone.utc)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")
