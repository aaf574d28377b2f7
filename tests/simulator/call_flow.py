"""What a call does with its URLs (reference §1, §3, §5): one daemon thread per call, off the request path. A call
placed through the API (placing.py) takes the URLs of its POST; a call ringing an owned number (inbound.py) those of
the number's application; `new_flow` makes the flow of either.

The call's timeline (its dial rule's) says when it rings and when it is answered or ends unanswered. The flow sends
ring_url when it rings; when it is answered, it asks answer_url (then fallback_url if that got no 200) for XML and
follows it: Speak, Play and Wait take their time, Gather posts the digits the rule's callee presses to its action,
Redirect fetches the next XML, Hangup ends the call. The call ends when the XML runs out, a reply is invalid, or a
Hangup is met, unless its rule's talk time (or an API hang-up) ends it first. Then hangup_url gets the outcome.

A transfer (actions.py) hands the connected call new XML: its flow stops following the XML it was on, asks the transfer's
URL and follows that instead (each transfer replaces the one before); the hangup callback still comes once, at the end.
A call without a flow of its own (a scenario's, or one placed without a URL the simulator calls) gets one for the
transfer, with no hangup_url.
"""

from __future__ import annotations

import datetime
import threading
import time
from dataclasses import dataclass
from functools import partial

from . import callbacks
from .cdr import CAUSES
from .scenario import ANSWERED_STATUS, TERMINAL_STATUSES, Call, wall_time
from .xml_script import GATHER_TIMEOUT, SKIPPED, InvalidXml, Verb, parse_reply

CHECK_EVERY = 0.05  # seconds between two looks at whether the call has ended meanwhile
# What ends a call early, as its record says it: the terminal entry's cdr overrides.
XML_HANGUP = {"hangup_cause_code": 4000, "hangup_cause_name": "Normal Hangup", "hangup_source": "Answer XML"}
XML_END = {"hangup_cause_code": 4010, "hangup_cause_name": "End Of XML Instructions", "hangup_source": "Answer XML"}
INVALID_XML = {"hangup_cause_code": 4000, "hangup_cause_name": "Invalid Answer XML", "hangup_source": "Error"}


class Stopped(Exception):
    """The simulator was reset or stopped: the flow ends at once, sending nothing more."""


class CallEnded(Exception):
    """The call ended while its XML was being followed (its rule's talk time, or an API hang-up)."""


class Transferred(Exception):
    """A transfer came while the call was connected: the XML being followed is dropped for the transfer's."""


@dataclass
class CallUrls:
    """The URLs and methods of the POST that placed the call."""

    answer: tuple
    ring: tuple
    hangup: tuple
    fallback: tuple

    @classmethod
    def from_body(cls, body: dict) -> CallUrls:
        def pair(name: str) -> tuple:
            return body.get(f"{name}_url"), str(body.get(f"{name}_method") or "POST")
        return cls(pair("answer"), pair("ring"), pair("hangup"), pair("fallback"))

    @classmethod
    def from_application(cls, app: dict) -> CallUrls:
        """The URLs of an application (config_api.py's record) that a call to one of its numbers follows: its answer,
        hangup and fallback_answer URLs; an application has no ring URL."""
        return cls((app["answer_url"], app["answer_method"]), (None, "POST"), (app["hangup_url"], app["hangup_method"]),
                   (app["fallback_answer_url"], app["fallback_method"]))

    def any_sent(self) -> bool:
        return any(callbacks.may_call(url) for url, _method in (self.answer, self.ring, self.hangup, self.fallback))


def callback_time(monotonic_instant: float | None) -> str:
    """StartTime / AnswerTime / EndTime: 'yyyy-MM-dd HH:mm:ss' (UTC here); empty when there is no such instant."""
    if monotonic_instant is None:
        return ""
    return datetime.datetime.fromtimestamp(round(wall_time(monotonic_instant)), datetime.UTC).strftime("%Y-%m-%d %H:%M:%S")


def new_flow(state, call: Call, urls: CallUrls, token: str, rule) -> CallFlow | None:
    """The flow of a call that was just added (placed, or ringing a number), the digits from its dial rule `rule`;
    None when the simulator calls none of its URLs (its timeline alone decides). The caller starts it (`start`) once
    it has let go of the state's lock."""
    if not urls.any_sent():
        return None
    flow = state.flows[call.call_uuid] = CallFlow(state, call, urls, token, rule.digits, rule.digits_after)  # a transfer finds it
    return flow


class CallFlow:
    def __init__(self, state, call: Call, urls: CallUrls, token: str, digits: str | None, digits_after: float):
        self.state = state
        self.call = call
        self.urls = urls
        self.token = token
        self.digits = digits  # what the callee presses, once, `digits_after` seconds after answering
        self.digits_after = digits_after
        self.log = state.callback_log
        self.stop = state.flows_stop
        self.answered_at: float | None = None
        self.transfer_to: tuple | None = None  # (url, method) of a transfer not yet taken up; under state.lock
        self.connected = True  # False once the flow has left the connected call (under state.lock): a transfer needs a new flow

    def start(self) -> None:
        threading.Thread(target=self.run, name=f"vobiz-call-{self.call.call_uuid}", daemon=True).start()

    def transfer(self, url_method: tuple) -> bool:
        """Hand the call a transfer's URL (the caller holds state.lock): True when this flow takes it up, False when
        it has left the call (a new flow must)."""
        if self.connected:
            self.transfer_to = url_method
        return self.connected

    # the call's state

    def _status(self, now: float) -> str | None:
        with self.state.lock:
            return self.call.status_at(now)

    def _first(self, statuses) -> float | None:
        with self.state.lock:
            return next((entry.at for entry in self.call.timeline if entry.status in statuses), None)

    def _check(self, now: float) -> None:
        """Once answered: CallEnded when the call has ended, Transferred when a transfer came."""
        if self.answered_at is None:
            return
        with self.state.lock:
            ended, transferred = self.call.status_at(now) in TERMINAL_STATUSES, self.transfer_to is not None
        if ended:
            raise CallEnded
        if transferred:
            raise Transferred

    def _sleep_until(self, instant: float) -> None:
        """Until `instant`; once answered, CallEnded as soon as the call has ended and Transferred as soon as a transfer
        came (_check); Stopped on reset or stop."""
        while True:
            now = time.monotonic()
            self._check(now)
            if now >= instant:
                return
            if self.stop.wait(min(CHECK_EVERY, instant - now)):
                raise Stopped

    def _end(self, cdr: dict, reason: str) -> None:
        """End the call now (status completed), unless it has ended already."""
        with self.state.lock:
            now = time.monotonic()
            if self.call.status_at(now) in TERMINAL_STATUSES:
                return
            self.call.set_status("completed", now, cdr)
        self._step("end", reason=reason)

    def _step(self, name: str, verb: Verb | None = None, **details) -> None:
        entry = {"call_uuid": self.call.call_uuid, "step": name, "time": time.monotonic()}
        if verb is not None:
            entry.update({"attributes": dict(verb.attributes), "text": verb.text})
        entry.update(details)
        self.log.add_step(entry)

    # parameters

    def _common(self) -> dict:
        uuid = self.call.call_uuid
        return {"From": self.call.from_number, "To": self.call.to_number, "RequestUUID": uuid, "ALegRequestUUID": uuid,
                "CallUUID": uuid, "Direction": self.call.direction}

    def _session(self) -> dict:
        with self.state.lock:
            return {"SessionStart": self.call.live_record("", "")["session_start"], "STIRAttestation": self.call.stir_attestation}

    def _answer_params(self) -> dict:
        params = self._common()
        if self.call.caller_name:
            params["CallerName"] = self.call.caller_name
        params.update({"ALegUUID": self.call.call_uuid, "Event": "StartApp", "STIRVerification": self.call.stir_verification,
                       "CallStatus": ANSWERED_STATUS})
        params.update(self._session())
        return params

    def _hangup_params(self) -> dict:
        with self.state.lock:
            end = next(entry for entry in reversed(self.call.timeline) if entry.status in TERMINAL_STATUSES)
            started = self.call.timeline[0].at
            answered = next((entry.at for entry in self.call.timeline if entry.status == ANSWERED_STATUS and entry.at <= end.at), None)
            record = self.call.cdr_record(end)
        cause = CAUSES.get(end.status, CAUSES["completed"])[0]
        params = self._common()
        params.update({
            "ALegUUID": self.call.call_uuid, "Event": "Hangup", "stir_verification": self.call.stir_verification,
            "CallStatus": end.status, "HangupCause": cause, "HangupCauseName": record["hangup_cause_name"],
            "HangupSource": record["hangup_source"], "Duration": str(max(0, round(end.at - started))),
            "BillDuration": str(max(0, round(end.at - answered)) if answered is not None else 0),
            "StartTime": callback_time(started), "AnswerTime": callback_time(answered), "EndTime": callback_time(end.at),
        })
        params.update(self._session())
        return params

    # callbacks

    def _send(self, kind: str, url_method: tuple, params: dict) -> callbacks.Answer | None:
        url, method = url_method
        if not callbacks.may_call(url):
            return None
        answer = callbacks.send(self.log, self.stop, kind, self.call.call_uuid, url, method, params, self.token)
        if self.stop.is_set():
            raise Stopped
        return answer

    def _fetch_xml(self, kind: str, url_method: tuple, params: dict) -> list[Verb]:
        """The verbs of the XML that URL answers; InvalidXml when it answers no 200 or no valid XML."""
        return self._verbs(kind, url_method[0], self._send(kind, url_method, params))

    @staticmethod
    def _verbs(kind: str, url: str | None, answer: callbacks.Answer | None) -> list[Verb]:
        if answer is None:
            raise InvalidXml(f"{kind} URL {url!r} is not one the simulator calls")
        if not answer.ok:
            raise InvalidXml(f"{kind} URL answered {answer.status or answer.error} after {1 + len(callbacks.RETRY_DELAYS)} tries")
        return parse_reply(answer.content_type, answer.body)

    # the flow

    def run(self) -> None:
        try:
            try:
                self._ring_and_answer()
            except CallEnded:
                pass
            self._leave()
            self._wait_for_the_end()
            self._send("hangup", self.urls.hangup, self._hangup_params())
        except Stopped:
            return

    def _ring_and_answer(self) -> None:
        ringing_at = self._first(("ringing",))
        if ringing_at is not None:
            self._sleep_until(ringing_at)
            if self._status(time.monotonic()) == "ringing":
                params = self._common()
                params.update({"Event": "Ring", "CallStatus": "ringing"})
                params.update(self._session())
                self._send("ring", self.urls.ring, params)
        answered_at = self._first((ANSWERED_STATUS,))
        if answered_at is None:
            return
        self._sleep_until(answered_at)
        if self._status(time.monotonic()) != ANSWERED_STATUS:
            return  # hung up or cancelled through the API before it was answered
        self.answered_at = answered_at
        # nothing to ask without an answer URL the simulator calls: the rule's talk time (or a transfer) decides
        self._connected(self._follow_answer if callbacks.may_call(self.urls.answer[0]) else None)

    def _connected(self, follow) -> None:
        """While the call is connected: `follow` its XML (None: none), then each transfer's in turn, a transfer
        dropping the XML being followed; until the call ends (CallEnded)."""
        while True:
            with self.state.lock:
                transfer_to, self.transfer_to = self.transfer_to, None
            if transfer_to is not None:
                self._step("transfer", url=transfer_to[0])
                follow = partial(self._follow_transfer, transfer_to)
            try:
                if follow is not None:
                    follow()
                self._sleep_until(float("inf"))  # connected until the call ends, or a transfer comes
            except Transferred:
                pass
            follow = None

    def _leave(self) -> None:
        """The flow has left the connected call (it ended, or was never answered): a transfer needs a new flow."""
        with self.state.lock:
            self.connected, self.transfer_to = False, None

    def _follow_answer(self) -> None:
        """Ask answer_url for XML (fallback_url when answer_url got no 200 after its retries) and follow it."""
        params = self._answer_params()
        kind, url_method = "answer", self.urls.answer
        answer = self._send(kind, url_method, params)
        if (answer is None or not answer.ok) and callbacks.may_call(self.urls.fallback[0]):
            kind, url_method = "fallback", self.urls.fallback
            answer = self._send(kind, url_method, params)
        self._follow_reply(kind, url_method[0], answer)

    def _follow_transfer(self, url_method: tuple) -> None:
        """Ask a transfer's URL for XML (kind `transfer`, the answer's fields) and follow it."""
        self._follow_reply("transfer", url_method[0], self._send("transfer", url_method, self._answer_params()))

    def _follow_reply(self, kind: str, url: str | None, answer: callbacks.Answer | None) -> None:
        try:
            verbs = self._verbs(kind, url, answer)
            if not verbs:
                self._step("empty", reason="an empty <Response/> leaves the call connected")
                return
            self._follow(verbs)
        except InvalidXml as error:
            self._end(INVALID_XML, f"invalid reply: {error}")

    def _follow(self, verbs: list[Verb]) -> None:
        queue = list(verbs)
        while queue:
            verb = queue.pop(0)
            self._check(time.monotonic())  # what came during the last verb (or fetch) stops this XML before the next
            self._step(verb.name, verb)
            if verb.name in SKIPPED:
                continue
            if verb.name == "Hangup":
                self._end(XML_HANGUP, "Hangup")
                return
            if verb.name == "Redirect":
                params = self._common()
                params.update({"Event": "Redirect", "CallerName": self.call.caller_name, "CallStatus": ANSWERED_STATUS})
                queue = self._fetch_xml("redirect", (verb.text, verb.attribute("method", "POST")), params)
                continue
            if verb.name == "Gather":
                replaced = self._gather(verb)
                queue = queue if replaced is None else replaced
                continue
            seconds = verb.seconds()
            self._sleep_until(float("inf") if seconds is None else time.monotonic() + seconds)
        self._end(XML_END, "the XML ran out")

    def _gather(self, verb: Verb) -> list[Verb] | None:
        """Wait for the callee's digits (the rule's, pressed `digits_after` s after answering) until the prompts and
        executionTimeout are over. Digits: posted to the action; with redirect (default) its XML replaces the rest.
        No digits: None (the next element runs, the first reading of [XG])."""
        started = time.monotonic()
        prompts = verb.seconds()
        try:
            timeout = float(verb.attribute("executionTimeout", str(GATHER_TIMEOUT)))
        except ValueError as error:
            raise InvalidXml(f"executionTimeout must be a number, got {verb.attribute('executionTimeout')!r}") from error
        deadline = float("inf") if prompts is None else started + prompts + timeout
        pressed_at = self.answered_at + self.digits_after if self.digits else None
        if pressed_at is None or pressed_at > deadline:
            self._sleep_until(deadline)
            self._step("gather-timeout")
            return None
        self._sleep_until(pressed_at)
        digits, self.digits = self._keyed(verb, self.digits), None
        params = self._answer_params()
        params.pop("Event")
        params.update({"InputType": "dtmf", "Digits": digits, "Speech": ""})
        action = (verb.attribute("action"), verb.attribute("method", "POST"))
        if verb.attribute("redirect", "true").lower() == "false":
            self._send("gather", action, params)
            return None
        return self._fetch_xml("gather", action, params)

    @staticmethod
    def _keyed(verb: Verb, pressed: str) -> str:
        """The digits a Gather takes: up to finishOnKey (excluded), at most numDigits."""
        finish = verb.attribute("finishOnKey", "#")
        if finish and finish != "none" and finish in pressed:
            pressed = pressed[:pressed.index(finish)]
        try:
            return pressed[:int(verb.attribute("numDigits", "32"))]
        except ValueError as error:
            raise InvalidXml(f"numDigits must be an integer, got {verb.attribute('numDigits')!r}") from error

    def _wait_for_the_end(self) -> None:
        """Until the call's status is terminal (its rule's end, or one the flow or the API set)."""
        while self._status(time.monotonic()) not in TERMINAL_STATUSES:
            if self.stop.wait(CHECK_EVERY):
                raise Stopped
