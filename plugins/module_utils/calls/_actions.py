# -*- coding: utf-8 -*-
# Copyright: vobiz.telephony contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# This module_utils is private to the vobiz.telephony collection: its API may change without notice.

"""Acting on calls in progress: speak, play, send digits, transfer, record, and stop what was started.

The checks of the actions' options (CHECKS), each call's request (request_body), and one request per call, never sent
twice once it may have reached Vobiz (a second speak would say it twice). No Ansible here, and no HTTP: the gateway of
calls sends the requests, and the client says what failed. Words as docs/architecture.md defines them.
"""

from __future__ import annotations

import re
from functools import partial
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from ansible_collections.vobiz.telephony.plugins.module_utils._options import each, identifier_error, url_error
from ansible_collections.vobiz.telephony.plugins.module_utils.api._calls import IN_PROGRESS, LIVE, CallApi, call_status_of
from ansible_collections.vobiz.telephony.plugins.module_utils.common._concurrency import map_concurrently
from ansible_collections.vobiz.telephony.plugins.module_utils.common._text import shown
from ansible_collections.vobiz.telephony.plugins.module_utils.http._errors import VobizError, VobizNotFoundError, VobizResponseError
from ansible_collections.vobiz.telephony.plugins.module_utils.http._retry import may_have_taken_effect

MAX_CALLS = 1000
SPEAK, PLAY, DTMF, TRANSFER, RECORD, STOP = "speak", "play", "dtmf", "transfer", "record", "stop"
ACTIONS = (SPEAK, PLAY, DTMF, TRANSFER, RECORD, STOP)

# What happened to one call: the action was done (Vobiz answered 2xx), the call was not in progress (404), the request
# may have reached Vobiz and its outcome is unknown (not sent again), or nothing was sent (check mode, or a task that
# stopped first).
DONE, NOT_LIVE, UNKNOWN, NOT_SENT = "done", "not_live", "unknown", "not_sent"

# DTMF: 0-9, * and #, w (a pause of 0.5 s) and W (1 s).
DIGITS = re.compile(r"\A[0-9*#wW]+\Z")
# Which URLs a transfer's legs need.
TRANSFER_URLS = {"aleg": ("aleg_url",), "bleg": ("bleg_url",), "both": ("aleg_url", "bleg_url")}


def digits_error(option: str, value: str) -> str | None:
    """Why `value` cannot be sent as DTMF digits, or None."""
    if DIGITS.match(value):
        return None
    return "%s %s may hold only 0-9, *, #, w and W" % (option, shown(value))


def https_url_error(option: str, value: str) -> str | None:
    """Why `value` is not an absolute https:// URL (what Vobiz fetches audio from), or None."""
    error = url_error(option, value)
    if error is None and urlsplit(value).scheme != "https":
        return "%s %s must be an absolute https:// URL" % (option, shown(value))
    return error


def text_error(option: str, value: str) -> str | None:
    return "%s must not be empty" % option if not value.strip() else None


def urls_errors(option: str, values: list) -> list:
    """The check of play's `urls`: one URL at least, each absolute https."""
    if not values:
        return ["%s must name at least one URL" % option]
    return each(https_url_error)(option, values)


def transfer_errors(option: str, value: dict) -> list:
    """A transfer's legs need their URLs: aleg_url for aleg, bleg_url for bleg, both for both."""
    missing = [name for name in TRANSFER_URLS.get(value.get("legs") or "aleg", ()) if not value.get(name)]
    return ["%s.%s is required when %s.legs is %s" % (option, name, option, value.get("legs") or "aleg") for name in missing]


def call_list_errors(option: str, values: list) -> list:
    """The check of call_uuids: each a call uuid, at most MAX_CALLS."""
    if len(values) > MAX_CALLS:
        return ["%s names %d calls; at most %d are acted on in one task" % (option, len(values), MAX_CALLS)]
    return each(identifier_error)(option, values)


def _single(error):
    return lambda name, value: [message for message in [error(name, value)] if message]


# The check of each option of the actions that has one (the module's tables declare them).
CHECKS = {"text": _single(text_error), "urls": urls_errors, "digits": _single(digits_error), "transfer": transfer_errors,
          "call_uuids": call_list_errors, "url": _single(url_error)}


def chosen_action(params: dict) -> str:
    """The one action given (the option tables make sure there is exactly one)."""
    return next(action for action in ACTIONS if params.get(action) is not None)


def request_body(action: str, value):
    """What each call is sent: the action's options under the API's names when set (Play's `urls` comma-separated, as
    the docs write them; DTMF's leg under both `leg` and `legs`, as the sources disagree). For `stop`, the actions to
    stop, in the order given, each once."""
    if action == STOP:
        return list(dict.fromkeys(value))
    body = {name: option for name, option in value.items() if option is not None}
    if action == PLAY:
        body["urls"] = ",".join(body["urls"])
    if action == DTMF:
        body["legs"] = body["leg"]
    return body


@dataclass
class Acting:
    """What acting on one call did: the request it was (or would be) sent, its outcome, and what Vobiz answered."""

    call_uuid: str
    request: object
    outcome: str = NOT_SENT
    api_id: str | None = None
    message: str | None = None
    recording_id: str | None = None
    recording_url: str | None = None
    errors: list = field(default_factory=list)

    @property
    def sent(self) -> bool:
        return self.outcome in (DONE, UNKNOWN)

    def note_answer(self, data) -> None:
        """The fields of a 2xx answer: api_id and message; a record's recording_id and its URL (`url` or `recording_url`)."""
        data = data if isinstance(data, dict) else {}
        self.api_id, self.message = _text(data.get("api_id")), _text(data.get("message"))
        self.recording_id = _text(data.get("recording_id"))
        self.recording_url = _text(data.get("url")) or _text(data.get("recording_url"))

    def as_result(self) -> dict:
        return {"call_uuid": self.call_uuid, "outcome": self.outcome, "api_id": self.api_id, "message": self.message,
                "recording_id": self.recording_id, "recording_url": self.recording_url, "request": self.request}


class ActionError(Exception):
    """Vobiz refused the action on one call for a reason other than the call not being live (a 401, a 400 ...): which
    call, why (`error`). No further call is acted on."""

    def __init__(self, acting: Acting, error: VobizError):
        super().__init__(error.message)
        self.acting = acting
        self.error = error
        self.actings: list = []


def act_on_call(api: CallApi, acting: Acting, action: str, check_mode: bool) -> Acting:
    """Send the call its request, once; or, in check mode, look once whether it is in progress and send nothing."""
    if check_mode:
        record = api.fetch_call(acting.call_uuid, LIVE)
        acting.outcome = NOT_SENT if record is not None and call_status_of(record) == IN_PROGRESS else NOT_LIVE
        return acting
    if action != STOP:
        _send(acting, partial(api.start_action, acting.call_uuid, action, acting.request))
        return acting
    for stopped in acting.request:  # each stop is idempotent: the client retries it like a hang-up
        if _send(acting, partial(api.stop_action, acting.call_uuid, stopped)) != DONE:
            break
    return acting


def _send(acting: Acting, send) -> str:
    try:
        acting.note_answer(send().data)
        acting.outcome = DONE
    except VobizNotFoundError as error:
        # After an attempt lost to a connection error or a server error (a stop is retried), "not found" may be that
        # attempt's own doing; else the call is not in progress.
        acting.outcome = DONE if error.uncertain_attempts > 0 else NOT_LIVE
    except VobizError as error:
        if isinstance(error, VobizResponseError) and error.status_code is not None and 200 <= error.status_code < 300:
            acting.outcome = DONE  # any 2xx is success, even one whose body could not be read
            return DONE
        if not may_have_taken_effect(error):
            raise ActionError(acting, error) from None
        acting.outcome = UNKNOWN
        acting.errors.append(error.message)
    return acting.outcome


def act_on_calls(api: CallApi, call_uuids: list, action: str, request, check_mode: bool, concurrency: int) -> list:
    """act_on_call() for each call, in the same order, `concurrency` at a time. A call not in progress, or whose request
    had an unknown outcome, does not stop the others; a refusal (ActionError) stops starting new ones, and carries every
    call's Acting so that what was done is not lost."""
    actings = [Acting(call_uuid, request) for call_uuid in call_uuids]
    try:
        map_concurrently(lambda acting: act_on_call(api, acting, action, check_mode), actings, concurrency)
    except ActionError as failure:
        failure.actings = actings
        raise
    return actings


def _text(value) -> str | None:
    return value if isinstance(value, str) and value else None
