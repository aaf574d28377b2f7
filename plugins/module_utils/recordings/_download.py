# -*- coding: utf-8 -*-
# Copyright: vobiz.telephony contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# This module_utils is private to the vobiz.telephony collection: its API may change without notice.

"""Recordings' media in a directory: the file of a recording (`<recording_id>.<format>`, the format sniffed from the
first bytes, else the content type, else what the recording says), whether a file is complete (its size is the media's
length as the server reports it, learnt with a HEAD), and the downloads, each written atomically (a temporary file in
the same directory, then os.replace) with its mode. No Ansible here; HTTP through the gateway (api._recordings).
"""

from __future__ import annotations

import os
import re
import stat
import tempfile
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from ansible_collections.vobiz.telephony.plugins.module_utils._options import Option, single
from ansible_collections.vobiz.telephony.plugins.module_utils.api._recordings import RecordingApi
from ansible_collections.vobiz.telephony.plugins.module_utils.common._concurrency import map_concurrently, unique_in_order
from ansible_collections.vobiz.telephony.plugins.module_utils.http._client import MediaAnswer
from ansible_collections.vobiz.telephony.plugins.module_utils.http._errors import VobizError, VobizResponseError
from ansible_collections.vobiz.telephony.plugins.module_utils.recordings._search import format_of, media_url_of, recording_id_of

# The formats known by their content type; any other is named by the recording's own format.
CONTENT_TYPES = {
    "audio/mpeg": "mp3", "audio/mp3": "mp3", "audio/mpeg3": "mp3", "audio/x-mpeg-3": "mp3",
    "audio/wav": "wav", "audio/x-wav": "wav", "audio/wave": "wav", "audio/vnd.wave": "wav",
}
KNOWN_FORMATS = ("mp3", "wav")
_SAFE_ID = re.compile(r"\A[A-Za-z0-9_.-]{1,128}\Z")
_OCTAL = re.compile(r"\A0?[0-7]{3}\Z")


def mode_error(option: str, value) -> str | None:
    """Why `value` is not a file mode: an octal string (0640) or a number that YAML read from an octal (0o640)."""
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 0o777:
        return None
    if isinstance(value, str) and _OCTAL.match(value):
        return None
    return "%s %r is not a file mode: use an octal string such as '0640'" % (option, value)


def mode_of(value) -> int | None:
    """The mode of a value mode_error accepts (None: not given)."""
    return int(value, 8) if isinstance(value, str) else value


MODE = Option("mode", "raw", check=single(mode_error))


def sniffed_format(head: bytes) -> str | None:
    """The format the first bytes show: `ID3` or an MPEG frame sync is mp3, `RIFF....WAVE` is wav; else None."""
    if head[:3] == b"ID3" or (len(head) >= 2 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0):
        return "mp3"
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "wav"
    return None


def extension_of(url: str) -> str | None:
    match = re.search(r"\.([A-Za-z0-9]{1,8})\Z", urlsplit(url).path)
    return match.group(1).lower() if match else None


def file_format(head: bytes, content_type: str, recording: dict) -> str:
    """The format a downloaded file is named by: its bytes, its content type, the recording's format, its URL's extension."""
    return (sniffed_format(head) or CONTENT_TYPES.get(content_type) or format_of(recording) or extension_of(media_url_of(recording))
            or "audio")


def id_error(recording: dict) -> str | None:
    """Why a recording's id cannot name a file (a path separator, `..`), or None."""
    recording_id = recording_id_of(recording)
    if not _SAFE_ID.match(recording_id) or recording_id.strip(".") == "":
        return "recording_id %r cannot name a file" % recording_id
    return None


def candidates(directory: str, recording: dict) -> list:
    """The paths the recording's file may have in `directory`, its expected format first."""
    names = unique_in_order(name for name in [format_of(recording), extension_of(media_url_of(recording))] + list(KNOWN_FORMATS) if name)
    return [os.path.join(directory, "%s.%s" % (recording_id_of(recording), name)) for name in names]


def existing_file(directory: str, recording: dict) -> str | None:
    return next((path for path in candidates(directory, recording) if os.path.isfile(path)), None)


@dataclass
class FileState:
    """A recording's file in a directory: its path (None when there is none), its size, the media's length as the
    server reports it (None when it tells none), and whether the file is complete (its size is that length)."""

    path: str | None
    size: int | None = None
    length: int | None = None

    @property
    def complete(self) -> bool:
        return self.path is not None and self.length is not None and self.size == self.length

    def why_incomplete(self) -> str:
        if self.path is None:
            return "not downloaded"
        if self.length is None:
            return "the server reports no length for the media: %s cannot be checked" % self.path
        return "incomplete: %s has %d of %d bytes" % (self.path, self.size, self.length)


def file_state(api: RecordingApi, directory: str, recording: dict) -> FileState:
    """The recording's file in `directory` and, when there is one, the media's length (one HEAD)."""
    path = existing_file(directory, recording)
    if path is None:
        return FileState(None)
    return FileState(path, os.path.getsize(path), api.media_length(media_url_of(recording)))


@dataclass
class Outcome:
    """What happened to one recording's media: `action` downloaded (or, in check mode, would be), complete (left
    alone), not_ready (no URL yet) or failed (`error`); `path` the file."""

    recording_id: str
    action: str
    path: str | None = None
    error: str | None = None
    mode_changed: bool = False


@dataclass
class Downloads:
    """Every recording's Outcome, in the recordings' order."""

    outcomes: list = field(default_factory=list)

    def of(self, action: str) -> list:
        return [outcome for outcome in self.outcomes if outcome.action == action]

    @property
    def changed(self) -> bool:
        return bool(self.of("downloaded")) or any(outcome.mode_changed for outcome in self.outcomes)

    def as_result(self) -> dict:
        return {"downloaded": [outcome.path for outcome in self.of("downloaded")],
                "not_ready": [outcome.recording_id for outcome in self.of("not_ready")],
                "failures": [{"recording_id": outcome.recording_id, "msg": outcome.error} for outcome in self.of("failed")]}


def _write(answer: MediaAnswer, directory: str, recording: dict, mode: int) -> str:
    """The body into a temporary file beside its final path, checked against the reported length, then renamed."""
    descriptor, temporary = tempfile.mkstemp(prefix=".vobiz-", suffix=".part", dir=directory)
    try:
        size, head = 0, b""
        with os.fdopen(descriptor, "wb") as handle:
            for chunk in answer.chunks():
                if len(head) < 12:
                    head += chunk[:12 - len(head)]
                handle.write(chunk)
                size += len(chunk)
        if answer.length is not None and size != answer.length:
            raise VobizResponseError("the media of recording %s ended after %d of the %d bytes its server reported"
                                     % (recording_id_of(recording), size, answer.length), url=media_url_of(recording))
        os.chmod(temporary, mode)
        path = os.path.join(directory, "%s.%s" % (recording_id_of(recording), file_format(head, answer.content_type, recording)))
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)
    for other in candidates(directory, recording):  # a file cut short under another format's name
        if other != path and os.path.isfile(other):
            os.unlink(other)
    return path


def _umask() -> int:
    """The process's umask (read once, before any thread starts: reading it sets it)."""
    current = os.umask(0o077)
    os.umask(current)
    return current


def _mode_changed(path: str, mode: int | None, check_mode: bool) -> bool:
    if mode is None or stat.S_IMODE(os.stat(path).st_mode) == mode:
        return False
    if not check_mode:
        os.chmod(path, mode)
    return True


def download_one(api: RecordingApi, directory: str, recording: dict, mode: int | None, check_mode: bool, new_mode: int) -> Outcome:
    """One recording's media into `directory`, unless its file is already complete (then only its `mode` is set); a new
    file gets `new_mode`. Check mode writes nothing and names the file it would write (by the recording's own format)."""
    recording_id, url = recording_id_of(recording), media_url_of(recording)
    if not url:
        return Outcome(recording_id, "not_ready")
    error = id_error(recording)
    if error:
        return Outcome(recording_id, "failed", error=error)
    try:
        state = file_state(api, directory, recording)
        if state.complete:
            return Outcome(recording_id, "complete", state.path, mode_changed=_mode_changed(state.path, mode, check_mode))
        if check_mode:
            return Outcome(recording_id, "downloaded", state.path or candidates(directory, recording)[0])
        return Outcome(recording_id, "downloaded", api.download(url, lambda answer: _write(answer, directory, recording, new_mode)))
    except (VobizError, OSError) as exc:
        return Outcome(recording_id, "failed", error=str(exc))


def download_all(api: RecordingApi, recordings: list, directory: str, mode: int | None, concurrency: int, check_mode: bool) -> Downloads:
    """Every recording's media into `directory`, `concurrency` at a time; a failure of one does not stop the others.
    `mode` None: new files get the usual 0666 less the umask."""
    new_mode = mode if mode is not None else 0o666 & ~_umask()
    return Downloads(map_concurrently(lambda recording: download_one(api, directory, recording, mode, check_mode, new_mode), recordings,
                                      concurrency))


def failures_message(done: str, failures: list) -> str:
    """The message of a task some of whose recordings failed (the first five named)."""
    shown = "; ".join("%s: %s" % (entry["recording_id"], entry["msg"]) for entry in failures[:5])
    return "%d of the recordings could not be %s: %s%s" % (len(failures), done, shown, " ..." if len(failures) > 5 else "")
