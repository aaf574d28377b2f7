"""The account's recordings (reference: vobiz-api-config.md section 3): a minimal store, enough for a live call's
record action to create a recording object. Standard library only."""

from __future__ import annotations

import datetime
import threading
import uuid

MEDIA_ORIGIN = "https://media.vobiz.ai"


class RecordingStore:
    """Every recording object, keyed by its recording_id, in the order made."""

    def __init__(self):
        self.lock = threading.Lock()
        self.recordings: dict[str, dict] = {}

    def add(self, account: str, call_uuid: str, *, file_format: str = "mp3", from_number: str = "", to_number: str = "",
            duration_s: int = 0) -> dict:
        """A new recording of the call; the object as the API serves it (with `recording_id` and `recording_url`)."""
        recording_id = str(uuid.uuid4())
        recording = {
            "recording_id": recording_id,
            "call_uuid": call_uuid,
            "account": account,
            "recording_url": f"{MEDIA_ORIGIN}/api/v1/Account/{account}/Recording/{recording_id}.{file_format}",
            "recording_format": file_format,
            "recording_type": "call",
            "add_time": datetime.datetime.now(datetime.UTC).isoformat(sep=" "),
            "recording_duration_ms": "%.5f" % (duration_s * 1000),
            "rounded_recording_duration": duration_s,
            "from_number": from_number,
            "to_number": to_number,
        }
        with self.lock:
            self.recordings[recording_id] = recording
        return dict(recording)
