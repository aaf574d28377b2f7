"""The simulated recordings (reference section 3): the list with its filters and pages, one recording, delete, and the
media bytes at each recording's URL, with a content type. Recordings come from the scenario (`recordings`, and
`generate` entries for many), the control API, and the live-call record action (`RecordingStore.add`)."""

from __future__ import annotations

import datetime
import hashlib
import itertools
import re
import uuid
from typing import Callable
from urllib.parse import unquote, urlsplit

from .replies import Reply, json_reply, new_api_id

MEDIA_PREFIX = "/media/"
LIST_LIMIT, LIST_MAX = 20, 100
DEFAULT_SIZE = 4096
MAX_SIZE = 64 * 1024 * 1024
MAX_GENERATED = 200_000
CONTENT_TYPES = {"mp3": "audio/mpeg", "wav": "audio/wav"}
IST = datetime.timezone(datetime.timedelta(hours=5, minutes=30))  # the local offset Vobiz's add_time examples carry
RECORDING_KEYS = frozenset({"account", "call_uuid", "recording_id", "file_format", "media_format", "from_number", "to_number",
                            "duration_s", "recording_type", "age_days", "size", "media_host", "ready", "generate"})
GENERATE_KEYS = frozenset({"count", "account", "prefix", "start", "age_days", "size", "file_format", "media_format",
                           "recording_type", "media_host"})


def media_bytes(media_format: str, size: int, seed: str) -> bytes:
    """`size` deterministic bytes starting with the format's magic: ID3 for mp3, RIFF....WAVE for wav, nothing else."""
    if media_format == "mp3":
        head = b"ID3\x04\x00\x00\x00\x00\x00\x00"
    elif media_format == "wav":
        head = b"RIFF" + max(0, size - 8).to_bytes(4, "little") + b"WAVEfmt "
    else:
        head = b""
    block = hashlib.sha256(seed.encode()).digest() * 64
    body = head + block * (size // len(block) + 1)
    return body[:size]


def _number_digits(value) -> str:
    return re.sub(r"\D", "", str(value or ""))


def _api_moment(value: str) -> datetime.datetime | None:
    try:
        return datetime.datetime.strptime(value, "%Y-%m-%d %H:%M:%S").replace(tzinfo=datetime.timezone.utc)
    except ValueError:
        return None


class RecordingStore:
    """Every account's recordings, in the order added; `origin_of()` gives the simulator's origin for media URLs."""

    def __init__(self, scenario_recordings: list, accounts: list, origin_of: Callable[[], str]):
        self.recordings: dict[str, dict] = {}
        self.accounts = list(accounts)
        self.origin_of = origin_of
        self.sequence = itertools.count(1)
        self.add_raws(scenario_recordings or [])

    # definitions

    def add(self, account: str, call_uuid: str, *, file_format: str = "mp3", from_number: str = "", to_number: str = "",
            duration_s: int = 0, recording_id: str | None = None, recording_type: str = "call", age_days: float = 0.0,
            size: int = DEFAULT_SIZE, media_format: str | None = None, media_host: str | None = None, ready: bool = True) -> dict:
        """A new recording of that call, added `age_days` ago, its media `size` bytes of `media_format` (default: its own
        `file_format`; another one makes the extension and the bytes disagree), served from `media_host` (default the
        API's host, same port). Returns the recording object as the API shows it."""
        if file_format not in CONTENT_TYPES:
            raise ValueError(f"file_format must be mp3 or wav, not {file_format!r}")
        if isinstance(size, bool) or not isinstance(size, int) or not 0 <= size <= MAX_SIZE:
            raise ValueError(f"size must be 0 to {MAX_SIZE} bytes")
        recording_id = recording_id or str(uuid.uuid4())
        if not re.fullmatch(r"[A-Za-z0-9_-]{1,128}", recording_id):
            raise ValueError(f"recording_id {recording_id!r}: letters, digits, - and _ only")
        added = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(days=float(age_days))
        self.recordings.pop(recording_id, None)
        self.recordings[recording_id] = {
            "account": account, "recording_id": recording_id, "call_uuid": call_uuid, "file_format": file_format,
            "media_format": media_format or file_format, "from_number": from_number, "to_number": to_number,
            "duration_s": int(duration_s), "recording_type": recording_type, "added": added, "size": size,
            "media_host": media_host, "ready": bool(ready), "order": next(self.sequence), "deleted": False}
        return self.shown(self.recordings[recording_id])

    def add_raws(self, raws: list) -> list:
        """Scenario entries (RECORDING_KEYS; `account` defaults to the first) and `{generate: {...}}` entries for many."""
        if not isinstance(raws, list):
            raise ValueError("'recordings' must be a list")
        added = []
        for raw in raws:
            unknown = set(raw) - RECORDING_KEYS
            if unknown:
                raise ValueError(f"unknown recording keys {sorted(unknown)}")
            if "generate" in raw:
                added += self.generate(raw["generate"])
                continue
            fields = dict(raw)
            account = fields.pop("account", self.accounts[0] if self.accounts else "")
            call_uuid = fields.pop("call_uuid", "")
            added.append(self.add(account, call_uuid, **fields)["recording_id"])
        return added

    def generate(self, spec: dict) -> list:
        """`count` recordings `{prefix}{index:06d}` (default `rec-`) of calls `call-{index:06d}`, added `age_days` ago
        (default 0) minus a second per index, so that their order is known."""
        unknown = set(spec) - GENERATE_KEYS
        if unknown:
            raise ValueError(f"unknown generate keys {sorted(unknown)}")
        count = spec.get("count", 1)
        if isinstance(count, bool) or not isinstance(count, int) or not 0 <= count <= MAX_GENERATED:
            raise ValueError(f"'count' must be an integer from 0 to {MAX_GENERATED}")
        prefix, start = str(spec.get("prefix", "rec-")), int(spec.get("start", 0))
        extra = {key: spec[key] for key in ("size", "file_format", "media_format", "recording_type", "media_host") if key in spec}
        return [self.add(spec.get("account") or (self.accounts[0] if self.accounts else ""), f"call-{index:06d}",
                         recording_id=f"{prefix}{index:06d}", from_number=f"9180{index:08d}", to_number=f"9199{index:08d}",
                         age_days=float(spec.get("age_days", 0)) + index / 86400.0, **extra)["recording_id"]
                for index in range(start, start + count)]

    # what the API shows

    def media_url(self, recording: dict) -> str:
        origin = urlsplit(self.origin_of())
        host = recording["media_host"] or origin.hostname
        return f"{origin.scheme}://{host}:{origin.port}{MEDIA_PREFIX}{recording['recording_id']}.{recording['file_format']}"

    def shown(self, recording: dict) -> dict:
        """The recording object of reference section 3."""
        added = recording["added"].astimezone(IST)
        return {
            "recording_id": recording["recording_id"], "call_uuid": recording["call_uuid"],
            "recording_url": self.media_url(recording) if recording["ready"] else "",
            "recording_format": recording["file_format"], "recording_type": recording["recording_type"],
            "add_time": added.isoformat(sep=" "), "from_number": recording["from_number"], "to_number": recording["to_number"],
            "recording_duration_ms": f"{recording['duration_s'] * 1000:.5f}", "rounded_recording_duration": recording["duration_s"],
            "recording_start_ms": None, "recording_end_ms": None, "conference_name": "",
            "monthly_recording_storage_amount": 0, "recording_storage_duration": 0, "recording_storage_rate": 0.005,
            "resource_uri": f"/v1/Account/{recording['account']}/Recording/{recording['recording_id']}/",
        }

    def describe(self) -> list:
        """Every recording still there, with its account, media format and size (control API)."""
        return [dict(self.shown(recording), account=recording["account"], media_format=recording["media_format"], size=recording["size"])
                for recording in self.recordings.values() if not recording["deleted"]]

    def _matches(self, recording: dict, query: dict) -> bool:
        for name in ("call_uuid", "recording_type"):
            if name in query and str(recording[name]) != query[name]:
                return False
        for name in ("from_number", "to_number"):
            if name in query and _number_digits(query[name]) not in _number_digits(recording[name]):
                return False
        after, before = _api_moment(query.get("add_time__gte", "")), _api_moment(query.get("add_time__lte", ""))
        added = recording["added"].replace(microsecond=0)
        return (after is None or added >= after) and (before is None or added <= before)

    # the API

    def answer(self, auth_id: str, recording_id: str | None, method: str, query: dict) -> Reply:
        """GET the list or one, DELETE one (the caller's own account)."""
        if recording_id is None:
            return self._list(auth_id, query)
        recording = self.recordings.get(recording_id)
        if recording is None or recording["deleted"] or recording["account"] != auth_id:
            return json_reply(404, {"api_id": new_api_id(), "error": "Recording not found"})
        if method == "DELETE":
            recording["deleted"] = True
            return Reply(status=204)
        return json_reply(200, dict(self.shown(recording), api_id=new_api_id()))

    def _list(self, auth_id: str, query: dict) -> Reply:
        limit, offset = query.get("limit", str(LIST_LIMIT)), query.get("offset", "0")
        if not limit.isdigit() or not 1 <= int(limit) <= LIST_MAX or not offset.isdigit():
            return json_reply(400, {"api_id": new_api_id(), "error": f"limit must be 1 to {LIST_MAX}, offset 0 or more"})
        for name in ("add_time__gte", "add_time__lte"):
            if name in query and _api_moment(query[name]) is None:
                return json_reply(400, {"api_id": new_api_id(), "error": f"{name} must be YYYY-MM-DD HH:MM:SS"})
        limit, offset = int(limit), int(offset)
        found = [recording for recording in self.recordings.values()
                 if recording["account"] == auth_id and not recording["deleted"] and self._matches(recording, query)]
        found.sort(key=lambda recording: (recording["added"], recording["order"]), reverse=True)  # newest first
        base = f"/v1/Account/{auth_id}/Recording/"
        meta = {"limit": limit, "offset": offset, "total_count": len(found),
                "next": f"{base}?limit={limit}&offset={offset + limit}" if offset + limit < len(found) else None,
                "previous": f"{base}?limit={limit}&offset={max(0, offset - limit)}" if offset > 0 else None}
        return json_reply(200, {"api_id": new_api_id(), "meta": meta, "objects": [self.shown(recording) for recording in found[offset:offset + limit]]})

    def media(self, method: str, path: str) -> Reply:
        """GET or HEAD /media/{recording_id}.{ext}: the bytes, with the content type of what they are; no credentials
        needed (Vobiz's docs download with a bare curl). 404 once deleted."""
        name = unquote(path[len(MEDIA_PREFIX):])
        recording_id, _dot, extension = name.rpartition(".")
        recording = self.recordings.get(recording_id)
        if method not in ("GET", "HEAD"):
            return Reply(status=405, body=b"", content_type="text/plain", headers={"Allow": "GET, HEAD"})
        if recording is None or recording["deleted"] or extension != recording["file_format"] or not recording["ready"]:
            return Reply(status=404, body=b"not found\n", content_type="text/plain")
        body = media_bytes(recording["media_format"], recording["size"], recording_id)
        return Reply(status=200, body=body, content_type=CONTENT_TYPES.get(recording["media_format"], "application/octet-stream"))
