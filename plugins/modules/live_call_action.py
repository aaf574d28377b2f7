#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: vobiz.telephony contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: live_call_action
short_description: Speak, play, send digits, transfer and record on Vobiz calls in progress
version_added: 0.3.0
description:
  - Acts on calls that are up. It speaks a text (O(speak)), plays audio (O(play)), sends DTMF digits (O(dtmf)), moves the
    call to another flow (O(transfer)), starts a recording (O(record)), or stops what was started (O(stop)).
  - Give exactly one action. Each call is sent one request (a stop, one per action stopped).
  - Not idempotent. Each run speaks, plays, sends or records again. A speak, play, digits, transfer or record is never
    sent twice to a call once it may have reached Vobiz, as a second one would say it twice. A call whose request had an
    unknown outcome (a time-out, a dropped connection, a 5xx) is reported V(unknown) and fails the task.
  - A call that is not in progress (queued, ringing, ended, unknown to Vobiz) is reported V(not_live); the task fails
    naming those calls unless O(skip_not_live). The other calls are still acted on.
author:
  - Vobiz telephony maintainers (@vobiz)
options:
  call_uuid:
    description:
      - The uuid of the call to act on. Letters, digits, V(-) and V(_) only, 1 to 128 characters.
      - Give exactly one of O(call_uuid) and O(call_uuids).
    type: str
  call_uuids:
    description:
      - The uuids of the calls to act on, each checked like O(call_uuid), at most 1000. Duplicates are acted on once.
      - An empty list is allowed; there is then nothing to do and nothing is sent.
      - Give exactly one of O(call_uuid) and O(call_uuids).
    type: list
    elements: str
  speak:
    description: Speak a text to each call.
    type: dict
    suboptions:
      text:
        description: What to say; not empty.
        type: str
        required: true
      voice:
        description: The voice.
        type: str
        choices: [WOMAN, MAN]
        default: WOMAN
      language:
        description: The language of the text, such as V(en-US) or V(hi-IN).
        type: str
        default: en-US
      legs:
        description: Which legs of the call hear it.
        type: str
        choices: [aleg, bleg, both]
        default: aleg
      loop:
        description: Say it again until stopped.
        type: bool
        default: false
      mix:
        description: Mix it with the call's audio (V(false) mutes the call while it is said).
        type: bool
        default: true
  play:
    description: Play audio files to each call.
    type: dict
    suboptions:
      urls:
        description: The files (MP3 or WAV), played in sequence; each an absolute https URL.
        type: list
        elements: str
        required: true
      length:
        description: Seconds to play at most.
        type: int
      legs:
        description: Which legs of the call hear it.
        type: str
        choices: [aleg, bleg, both]
        default: aleg
      loop:
        description: Play it again until stopped.
        type: bool
        default: false
      mix:
        description: Mix it with the call's audio.
        type: bool
        default: true
  dtmf:
    description: Send DTMF digits on each call.
    type: dict
    suboptions:
      digits:
        description: The digits, V(0) to V(9), V(*), V(#), V(w) (a pause of 0.5 s) and V(W) (1 s).
        type: str
        required: true
      leg:
        description: Which leg gets them.
        type: str
        choices: [aleg, bleg, both]
        default: aleg
  transfer:
    description:
      - Move each call to another flow; Vobiz fetches the new URL and runs its XML at once.
      - The URL of each leg O(transfer.legs) names is required.
    type: dict
    suboptions:
      legs:
        description: Which legs move.
        type: str
        choices: [aleg, bleg, both]
        default: aleg
      aleg_url:
        description: The URL whose XML the A leg follows; an absolute http(s) URL.
        type: str
      aleg_method:
        description: How O(transfer.aleg_url) is asked.
        type: str
        choices: [GET, POST]
        default: POST
      bleg_url:
        description: The URL whose XML the B leg follows; an absolute http(s) URL.
        type: str
      bleg_method:
        description: How O(transfer.bleg_url) is asked.
        type: str
        choices: [GET, POST]
        default: POST
  record:
    description: Start recording each call. Each run starts another recording.
    type: dict
    suboptions:
      time_limit:
        description: Seconds after which the recording stops (it also stops on O(stop) or at hang-up).
        type: int
        default: 60
      file_format:
        description: The recording's format.
        type: str
        choices: [mp3, wav]
      record_channel_type:
        description: One channel, or one per leg.
        type: str
        choices: [mono, stereo]
      transcription_type:
        description: V(auto) to have the recording transcribed (English only).
        type: str
        choices: [auto]
      transcription_url:
        description: Where Vobiz posts the transcription; an absolute http(s) URL.
        type: str
      callback_url:
        description: Where Vobiz posts the recording's details once it is done; an absolute http(s) URL.
        type: str
      callback_method:
        description: How O(record.callback_url) is called.
        type: str
        choices: [GET, POST]
  stop:
    description:
      - Stop what was started on each call, each with its own request, in the order given.
      - V(record) stops every recording of the call.
    type: list
    elements: str
    choices: [speak, play, record]
  skip_not_live:
    description:
      - Report calls that are not in progress as V(not_live) without failing the task.
    type: bool
    default: false
  concurrency:
    description:
      - How many calls are handled at a time, over one kept-alive session (1 to 64).
      - A server that answers HTTP 429 slows the whole pool down.
    type: int
    default: 8
extends_documentation_fragment:
  - vobiz.telephony.connection
  - vobiz.telephony.attributes.acts_in_calls
notes:
  - The actions are C(POST /Account/{auth_id}/Call/{call_uuid}/Speak/), C(.../Play/), C(.../DTMF/), C(.../Record/)
    and, for a transfer, C(POST .../Call/{call_uuid}/); a stop is a C(DELETE) of the same path without a body
    (C(.../Record/) without a body stops every recording).
  - A speak, play, digits, transfer or record is retried only when the failure proves that Vobiz did not get it
    (HTTP 429, a connection that could not be opened). A stop is idempotent and is retried like a hang-up; a stop
    answered "not found" after an attempt with an unknown outcome counts as done.
  - Where Vobiz's sources disagree, the module sends what works under every reading and accepts every published
    answer. DTMF sends the leg under both C(leg) (docs, Python SDK) and C(legs) (Go SDK). Play sends C(urls)
    comma-separated, as the docs write it. O(speak.loop), O(speak.mix), O(play.loop) and O(play.mix) are sent as JSON
    booleans, as the docs show them and as M(vobiz.telephony.call) sends its booleans. A record always sends
    C(time_limit), and takes the recording's URL from C(url) or C(recording_url), with or without a C(recording_id).
    Any 2xx is success for every action, a stop's 204 without a body included.
  - Check mode looks once at each call (C(GET .../Call/{call_uuid}/?status=live)) so that calls not in progress are
    reported V(not_live); it sends no action.
seealso:
  - module: vobiz.telephony.live_call_info
  - module: vobiz.telephony.live_call
"""

EXAMPLES = r"""
- name: Tell every live call that the line goes down in two minutes
  vobiz.telephony.live_call_action:
    call_uuids: "{{ live.call_uuids }}"
    speak:
      text: This line goes down for maintenance in two minutes. Please call back later.
    skip_not_live: true

- name: Play a recorded notice on both legs
  vobiz.telephony.live_call_action:
    call_uuid: 2ded13fe-4f9b-4958-9bfb-093ea2f29f91
    play:
      urls: [https://example.com/audio/notice.mp3]
      legs: both

- name: Press 1 then # on the caller's side
  vobiz.telephony.live_call_action:
    call_uuid: 2ded13fe-4f9b-4958-9bfb-093ea2f29f91
    dtmf:
      digits: "1w#"

- name: Move a caller to the retention flow
  vobiz.telephony.live_call_action:
    call_uuid: 2ded13fe-4f9b-4958-9bfb-093ea2f29f91
    transfer:
      aleg_url: https://example.com/ivr/retention.xml

- name: Record a call for a dispute, and keep the recording's id
  vobiz.telephony.live_call_action:
    call_uuid: 2ded13fe-4f9b-4958-9bfb-093ea2f29f91
    record:
      time_limit: 600
      file_format: wav
  register: recording

- name: Stop the message and the recording
  vobiz.telephony.live_call_action:
    call_uuid: 2ded13fe-4f9b-4958-9bfb-093ea2f29f91
    stop: [speak, record]
"""

RETURN = r"""
results:
  description:
    - One entry per call, in the order given (duplicates removed).
  returned: always
  type: list
  elements: dict
  contains:
    call_uuid:
      description: The call's uuid.
      type: str
      sample: 2ded13fe-4f9b-4958-9bfb-093ea2f29f91
    outcome:
      description:
        - V(done) when Vobiz answered 2xx (for O(stop), to each stop).
        - V(not_live) when the call was not in progress (Vobiz answered 404; in check mode, the look did not find it in progress).
        - V(unknown) when the request may have reached Vobiz and its answer was lost (a time-out, a dropped connection, a 5xx);
          it was not sent again.
        - V(not_sent) in check mode for a live call, or when the task stopped before reaching the call.
      type: str
      sample: done
    api_id:
      description: Vobiz's C(api_id) of the answer, when it had one.
      type: str
      sample: 97ceeb52-58b6-11e1-86da-77300b68f8bb
    message:
      description: Vobiz's C(message), such as C(speak started), when the answer had one.
      type: str
      sample: speak started
    recording_id:
      description: With O(record), the id of the recording started, when Vobiz gave one.
      type: str
      sample: c2186400-1c8c-11e4-a664-0026b945b52x
    recording_url:
      description: With O(record), the recording's URL (Vobiz's C(url), or C(recording_url)).
      type: str
      sample: https://media.vobiz.ai/api/v1/Account/MA_XXXXXXXX/Recording/c2186400.mp3
    request:
      description:
        - The body the call was (or, in check mode, would be) sent; for O(stop), the list of what is stopped.
      type: raw
      sample:
        text: The line goes down in two minutes.
        voice: WOMAN
        language: en-US
        legs: aleg
        loop: false
        mix: true
  sample:
    - call_uuid: 2ded13fe-4f9b-4958-9bfb-093ea2f29f91
      outcome: done
      api_id: 97ceeb52-58b6-11e1-86da-77300b68f8bb
      message: speak started
      recording_id: null
      recording_url: null
      request: {text: Hello, voice: WOMAN, language: en-US, legs: aleg, loop: false, mix: true}
acted:
  description:
    - The uuids of the calls acted on (outcome V(done); in check mode, the live calls that would be), in the order given.
  returned: always
  type: list
  elements: str
  sample: ["2ded13fe-4f9b-4958-9bfb-093ea2f29f91"]
http_retries:
  description: How many HTTP requests were retried (each one also draws a warning).
  returned: always
  type: int
  sample: 0
status_code:
  description: The HTTP status of the answer that made the task fail.
  returned: on failure, when the server answered
  type: int
  sample: 401
error_code:
  description: Vobiz's error code from the failed answer's body.
  returned: on failure, when the body carried one
  type: str
  sample: INVALID_CREDENTIALS
request_id:
  description: The request id of the failed answer.
  returned: on failure, when the answer carried one
  type: str
  sample: req_8f14e45fceea167a
"""

from ansible_collections.vobiz.telephony.plugins.module_utils.calls._actions import (
    ACTIONS,
    CHECKS,
    DONE,
    NOT_LIVE,
    NOT_SENT,
    UNKNOWN,
    ActionError,
    act_on_calls,
    chosen_action,
    request_body,
)
from ansible_collections.vobiz.telephony.plugins.module_utils.api._calls import STOPPABLE, CallApi
from ansible_collections.vobiz.telephony.plugins.module_utils.http._errors import VobizError
from ansible_collections.vobiz.telephony.plugins.module_utils.common._concurrency import unique_in_order
from ansible_collections.vobiz.telephony.plugins.module_utils.common._vobiz import CALLBACK_METHODS, DEFAULT_CALLBACK_METHOD
from ansible_collections.vobiz.telephony.plugins.module_utils._module import client_from_module, fail_from_error, module_argument_spec, module_for
from ansible_collections.vobiz.telephony.plugins.module_utils._options import (
    CALL_UUID_EXCLUSIVE,
    CALL_UUID_OPTIONS,
    CALL_UUID_REQUIRED,
    CONCURRENCY,
    EXCLUSIVE,
    ONE_OF,
    Group,
    Option,
    options_table,
)

SHOWN_IN_MESSAGES = 10
METHODS = list(CALLBACK_METHODS)
LEGS = ["aleg", "bleg", "both"]


def _legs(default: str = "aleg", name: str = "legs") -> Option:
    return Option(name, "str", default, choices=LEGS)


def _url(name: str) -> Option:
    return Option(name, "str", check=CHECKS["url"])


def _method(name: str, default: str | None = DEFAULT_CALLBACK_METHOD) -> Option:
    return Option(name, "str", default, choices=METHODS)


def _sounds(*first: Option) -> tuple:
    """The options speak and play share after their own."""
    return first + (_legs(), Option("loop", "bool", False), Option("mix", "bool", True))


ACTION_OPTIONS = (
    Option("speak", "dict", suboptions=options_table(*_sounds(
        Option("text", "str", required=True, check=CHECKS["text"]), Option("voice", "str", "WOMAN", choices=["WOMAN", "MAN"]),
        Option("language", "str", "en-US")))),
    Option("play", "dict", suboptions=options_table(*_sounds(
        Option("urls", "list", elements="str", required=True, check=CHECKS["urls"]), Option("length", "int", at_least=1)))),
    Option("dtmf", "dict", suboptions=options_table(Option("digits", "str", required=True, check=CHECKS["digits"]), _legs(name="leg"))),
    Option("transfer", "dict", check=CHECKS["transfer"], suboptions=options_table(
        _legs(), _url("aleg_url"), _method("aleg_method"), _url("bleg_url"), _method("bleg_method"))),
    Option("record", "dict", suboptions=options_table(
        Option("time_limit", "int", 60, at_least=1), Option("file_format", "str", choices=["mp3", "wav"]),
        Option("record_channel_type", "str", choices=["mono", "stereo"]), Option("transcription_type", "str", choices=["auto"]),
        _url("transcription_url"), _url("callback_url"), _method("callback_method", None))),
    Option("stop", "list", elements="str", choices=list(STOPPABLE), check=lambda name, value: [] if value else ["%s must name at least one action" % name]),
)
_ONE_ACTION = "give exactly one action: %s" % ", ".join(ACTIONS)

OPTIONS = options_table(
    CALL_UUID_OPTIONS[0],
    Option("call_uuids", "list", elements="str", check=CHECKS["call_uuids"]),
    *ACTION_OPTIONS,
    Option("skip_not_live", "bool", False),
    CONCURRENCY,
    groups=(CALL_UUID_EXCLUSIVE, CALL_UUID_REQUIRED, Group(EXCLUSIVE, ACTIONS, _ONE_ACTION), Group(ONE_OF, ACTIONS, _ONE_ACTION)),
)


def argument_spec() -> dict:
    return module_argument_spec(OPTIONS)


def requested_calls(params: dict) -> list:
    if params["call_uuid"] is not None:
        return [params["call_uuid"]]
    return unique_in_order(params["call_uuids"])


def outcome(actings: list, check_mode: bool) -> dict:
    """The result's keys for what was done (or, in check mode, would be) to these calls."""
    acted = [acting.call_uuid for acting in actings if acting.outcome == (NOT_SENT if check_mode else DONE)]
    changed = bool(acted) if check_mode else any(acting.sent for acting in actings)
    return dict(changed=changed, acted=acted, results=[acting.as_result() for acting in actings])


def _named(uuids: list) -> str:
    return ", ".join(uuids[:SHOWN_IN_MESSAGES]) + (", ..." if len(uuids) > SHOWN_IN_MESSAGES else "")


def failure_message(actings: list, action: str, skip_not_live: bool) -> str | None:
    """Why the task fails: calls whose outcome is unknown, calls not in progress (unless skipped); None when it does not."""
    parts = []
    unknown = [acting.call_uuid for acting in actings if acting.outcome == UNKNOWN]
    if unknown:
        first_error = next(acting.errors[0] for acting in actings if acting.outcome == UNKNOWN)
        parts.append("%s on %d call(s) may have taken effect: the request may have reached Vobiz and was not sent again so as not to"
                     " %s twice (%s): %s" % (action, len(unknown), action, first_error, _named(unknown)))
    not_live = [acting.call_uuid for acting in actings if acting.outcome == NOT_LIVE]
    if not_live and not skip_not_live:
        parts.append("%d call(s) not in progress (set skip_not_live to allow it): %s" % (len(not_live), _named(not_live)))
    return "; ".join(parts) or None


def main():
    module = module_for(OPTIONS)
    params = module.params
    client = client_from_module(module, OPTIONS)
    action = chosen_action(params)
    request = request_body(action, params[action])
    actings = []
    try:
        with client:
            actings = act_on_calls(CallApi(client), requested_calls(params), action, request, module.check_mode, params["concurrency"])
    except ActionError as failure:
        fail_from_error(module, client, failure.error, msg="call %s: %s. Nothing more was sent" % (failure.acting.call_uuid, failure.error.message),
                        **outcome(failure.actings, module.check_mode))
    except VobizError as error:  # a look in check mode
        fail_from_error(module, client, error, **outcome(actings, module.check_mode))
    result = outcome(actings, module.check_mode)
    message = failure_message(actings, action, params["skip_not_live"])
    if message:
        module.fail_json(msg=message, http_retries=client.http_retries, **result)
    module.exit_json(http_retries=client.http_retries, **result)


if __name__ == "__main__":
    main()
