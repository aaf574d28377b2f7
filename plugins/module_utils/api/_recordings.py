# -*- coding: utf-8 -*-
# Copyright: vobiz.telephony contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# This module_utils is private to the vobiz.telephony collection: its API may change without notice.

"""The gateway of Vobiz's Recording resource: every method and path of it (a page of the list, one recording, delete)
and the media at a recording's URL, in every answer shape Vobiz has published. No Ansible here, and no HTTP rule:
requests, retries, credentials and errors are http's.
"""

from __future__ import annotations

from typing import Callable

from ansible_collections.vobiz.telephony.plugins.module_utils.http._client import Consumed, MediaAnswer, VobizClient
from ansible_collections.vobiz.telephony.plugins.module_utils.http._errors import ApiResponse, VobizNotFoundError, json_object, unexpected_answer

# The most recordings Vobiz gives in one page, and how many each read asks for.
PER_PAGE = 100
_PAGE = 'a page of recordings (an object with an "objects" or a "recordings" list)'


class RecordingPage:
    """One page of the list: its recordings, and the total Vobiz says the list holds (None when it does not say)."""

    def __init__(self, recordings: list, total: int | None):
        self.recordings = recordings
        self.total = total


def _is_count(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _page(response: ApiResponse) -> RecordingPage:
    """A page of `{"api_id", "meta": {"total_count"}, "objects"}`, or of the older `{"recordings": [...]}` (no total);
    an answer with neither list of objects is an error, never an empty page."""
    data = json_object(response, _PAGE)
    recordings = data.get("objects", data.get("recordings"))
    if not isinstance(recordings, list) or not all(isinstance(item, dict) for item in recordings):
        raise unexpected_answer(response, _PAGE)
    meta = data.get("meta") if isinstance(data.get("meta"), dict) else {}
    total = meta.get("total_count")
    return RecordingPage(recordings, total if _is_count(total) else None)


def _one(response: ApiResponse) -> dict:
    """One recording, flat (Vobiz's newest docs) or wrapped in `objects[0]` (older pages)."""
    data = json_object(response, "a recording (a JSON object)")
    if "objects" not in data:
        recording = dict(data)
        recording.pop("api_id", None)
        return recording
    objects = data["objects"]
    if not isinstance(objects, list) or len(objects) != 1 or not isinstance(objects[0], dict):
        raise unexpected_answer(response, "a recording (objects holding one recording)")
    return objects[0]


class RecordingApi:
    """The recording endpoints of one account (`/Account/{auth_id}/Recording/`, capital R, trailing slash)."""

    def __init__(self, client: VobizClient):
        self.client = client

    def _segments(self, *segments) -> tuple:
        return self.client.account_segments("Recording", *segments)

    def fetch_page(self, query: dict, offset: int, limit: int = PER_PAGE) -> RecordingPage:
        return _page(self.client.get(self._segments(), params=dict(query, limit=limit, offset=offset)))

    def fetch(self, recording_id: str) -> dict | None:
        """The recording as Vobiz sent it (without its api_id), or None when Vobiz has none under this id."""
        try:
            return _one(self.client.get(self._segments(recording_id)))
        except VobizNotFoundError:
            return None

    def delete(self, recording_id: str) -> bool:
        """DELETE the recording (idempotent: retried): True when this request deleted it, False when it was already gone
        (404; a 404 after an attempt whose outcome was unknown is taken as this request's doing)."""
        try:
            self.client.delete(self._segments(recording_id))
        except VobizNotFoundError as error:
            return bool(error.uncertain_attempts)
        return True

    def media_length(self, url: str) -> int | None:
        """The media's length as its server reports it, without its body (None when it tells none)."""
        return self.client.media_length(url)

    def download(self, url: str, consume: Callable[[MediaAnswer], Consumed]) -> Consumed:
        """The media at `url`, read by consume (see VobizClient.download)."""
        return self.client.download(url, consume)
