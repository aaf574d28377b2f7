# -*- coding: utf-8 -*-
# Copyright: vobiz.telephony contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# This module_utils is private to the vobiz.telephony collection: its API may change without notice.

"""Deleting recordings under a retention rule: each recording once, `concurrency` at a time (DELETE is idempotent: the
client retries it; a 404 is a recording already gone, neither a failure nor a change), only those whose media is
complete in a directory when asked (`require_downloaded`), nothing sent but reads in check mode. No Ansible here; HTTP
through the gateway (api._recordings).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ansible_collections.vobiz.telephony.plugins.module_utils.api._recordings import RecordingApi
from ansible_collections.vobiz.telephony.plugins.module_utils.common._concurrency import map_concurrently
from ansible_collections.vobiz.telephony.plugins.module_utils.http._errors import VobizError
from ansible_collections.vobiz.telephony.plugins.module_utils.recordings._download import file_state, id_error
from ansible_collections.vobiz.telephony.plugins.module_utils.recordings._search import media_url_of, recording_id_of

ALREADY_GONE = "already gone"
NOT_READY = "not downloaded: its media is not ready yet"
DELETED, KEPT, FAILED = "deleted", "kept", "failed"


@dataclass
class Verdict:
    """What happened to one recording: DELETED (or, in check mode, would be), KEPT with its `reason`, or FAILED."""

    recording_id: str
    action: str
    reason: str | None = None


@dataclass
class Retention:
    """Every recording's Verdict, in the order the recordings were given."""

    verdicts: list = field(default_factory=list)

    def of(self, action: str) -> list:
        return [verdict for verdict in self.verdicts if verdict.action == action]

    def as_result(self) -> dict:
        return {"changed": bool(self.of(DELETED)), "deleted": [verdict.recording_id for verdict in self.of(DELETED)],
                "kept": [{"recording_id": verdict.recording_id, "reason": verdict.reason} for verdict in self.of(KEPT)],
                "failures": [{"recording_id": verdict.recording_id, "msg": verdict.reason} for verdict in self.of(FAILED)]}


def _verdict(api: RecordingApi, target, require_downloaded: str | None, check_mode: bool) -> Verdict:
    """One target (a recording's id, or the recording as listed): read first when its media must be checked or a check
    mode must know whether it exists, then deleted."""
    recording = target if isinstance(target, dict) else None
    recording_id = recording_id_of(recording) if recording is not None else target
    try:
        if recording is None and (require_downloaded is not None or check_mode):
            recording = api.fetch(recording_id)
            if recording is None:
                return Verdict(recording_id, KEPT, ALREADY_GONE)
        if require_downloaded is not None:
            if not media_url_of(recording):
                return Verdict(recording_id, KEPT, NOT_READY)
            error = id_error(recording)
            if error:
                return Verdict(recording_id, KEPT, error)
            state = file_state(api, require_downloaded, recording)
            if not state.complete:
                return Verdict(recording_id, KEPT, state.why_incomplete())
        if check_mode:
            return Verdict(recording_id, DELETED)
        return Verdict(recording_id, DELETED) if api.delete(recording_id) else Verdict(recording_id, KEPT, ALREADY_GONE)
    except (VobizError, OSError) as exc:
        return Verdict(recording_id, FAILED, str(exc))


def apply_retention(api: RecordingApi, targets: list, require_downloaded: str | None, concurrency: int, check_mode: bool) -> Retention:
    """Each target (ids, or recordings found by a search) deleted once, `concurrency` at a time; a failure of one does
    not stop the others."""
    seen, unique = set(), []
    for target in targets:
        key = recording_id_of(target) if isinstance(target, dict) else target
        if key not in seen:
            seen.add(key)
            unique.append(target)
    return Retention(map_concurrently(lambda target: _verdict(api, target, require_downloaded, check_mode), unique, concurrency))
