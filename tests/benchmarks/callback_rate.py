# Copyright: vobiz.telephony contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""11. Event-Driven Ansible: signed callbacks a second that the callbacks source takes, beside a webhook baseline.

Two servers, each in a process of its own with one asyncio queue of one place drained at once (as ansible-rulebook's):
- the callbacks event source itself (the installed collection's file, run by path as ansible-rulebook runs it),
  taking form-encoded callbacks signed as Vobiz signs them (V3 and V2 over the URL and a nonce, a new nonce each);
- a baseline written here that does what ansible.eda.webhook does: an aiohttp handler that reads the body, checks an
  HMAC-SHA256 of it (hex, `sha256=` prefix, compared in constant time), decodes the JSON and puts it on the queue.
One client in this process (aiohttp, CONNECTIONS kept-alive connections) sends REQUESTS signed requests, signed before
the clock starts, to one server after the other (each first in turn), ROUNDS times over, in the same run. The figures
are the median rate of each and the median of the rounds' ratios (each round's pair ran back to back, under the same
load). Both servers and the client share the machine's cores, so the figures are this machine's, not the servers' own
limits.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import http.client
import json
import os
import secrets
import statistics
import subprocess
import sys
import time
from urllib.parse import urlencode

from tests.loopback import accepts_connections, free_port
from tests.waiting import WaitTimeout, wait_for

from .events import line_shown_at, start_rulebook
from .harness import AUTH_TOKEN, Bench, BenchmarkError
from .report import Figure, progress

REQUESTS = 2000
CONNECTIONS = 16
WARM_UP = CONNECTIONS * 4
ROUNDS = 9
TOKEN = "bench-callback-token"
TARGET_RATIO = 0.8
START_DEADLINE = 60.0
LATENCY_SAMPLES = 10
LIVE_CALLS = 1000
CALL_EVENTS_INTERVAL = 5.0
LATENCY_RULEBOOK = """\
---
- name: Benchmark of vobiz.telephony.callbacks
  hosts: localhost
  sources:
    - vobiz.telephony.callbacks:
        host: 127.0.0.1
        port: {port}
  rules:
    - name: A call ended
      condition: event.vobiz.type == "call.ended"
      action:
        debug:
          msg: "bench-callback {{{{ event.vobiz.call_uuid }}}}"
"""

# The baseline: what ansible.eda.webhook does with hmac_secret set, and nothing more.
WEBHOOK = r'''
import asyncio, hashlib, hmac, json, sys
from aiohttp import web

SECRET = sys.argv[2].encode()


async def drain(queue):
    while True:
        await queue.get()


async def webhook(request):
    body = await request.read()
    expected = hmac.new(SECRET, body, hashlib.sha256).hexdigest()
    signature = request.headers.get("X-Hub-Signature-256", "").removeprefix("sha256=")
    if not hmac.compare_digest(expected, signature):
        raise web.HTTPUnauthorized(text="HMAC verification failed")
    try:
        payload = json.loads(body)
    except json.JSONDecodeError:
        raise web.HTTPBadRequest(text="Invalid JSON payload")
    headers = dict(request.headers)
    headers.pop("Authorization", None)
    await request.app["queue"].put({"payload": payload, "meta": {"endpoint": request.match_info["endpoint"], "headers": headers}})
    return web.Response(text=request.match_info["endpoint"])


async def main():
    queue = asyncio.Queue(1)
    app = web.Application()
    app["queue"] = queue
    app.router.add_post("/{endpoint:.*}", webhook)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", int(sys.argv[1])).start()
    await drain(queue)


asyncio.run(main())
'''

# The callbacks source, run by path from the installed collection, its queue drained at once.
CALLBACKS = r'''
import asyncio, runpy, sys

source = runpy.run_path(sys.argv[3])


async def drain(queue):
    while True:
        await queue.get()


async def main():
    queue = asyncio.Queue(1)
    drainer = asyncio.ensure_future(drain(queue))
    await source["main"](queue, {"host": "127.0.0.1", "port": int(sys.argv[1]), "auth_token": sys.argv[2]})
    drainer.cancel()


asyncio.run(main())
'''


def _b64_hmac(message: str, token: str = TOKEN) -> str:
    return base64.b64encode(hmac.new(token.encode(), message.encode(), hashlib.sha256).digest()).decode()


def callback_requests(port: int) -> list:
    """(path, headers, body) of REQUESTS hangup callbacks, each with a nonce of its own, signed V3 and V2."""
    url = "http://127.0.0.1:%d/hangup" % port
    made = []
    for index in range(WARM_UP + REQUESTS):
        nonce = "%020d" % secrets.randbelow(10 ** 20)
        body = urlencode({"Event": "Hangup", "CallUUID": "bench-%06d" % index, "CallStatus": "completed", "Duration": "44",
                          "HangupCause": "NORMAL_CLEARING", "From": "919262171438", "To": "919148227303"}).encode()
        headers = {"Content-Type": "application/x-www-form-urlencoded", "X-Vobiz-Signature-V3": _b64_hmac(url + "." + nonce),
                   "X-Vobiz-Signature-V3-Nonce": nonce, "X-Vobiz-Signature-V2": _b64_hmac(url + nonce), "X-Vobiz-Signature-V2-Nonce": nonce}
        made.append(("/hangup", headers, body))
    return made


def webhook_requests() -> list:
    """(path, headers, body) of REQUESTS JSON posts of the same fields, each with the HMAC of its body."""
    made = []
    for index in range(WARM_UP + REQUESTS):
        body = json.dumps({"Event": "Hangup", "CallUUID": "bench-%06d" % index, "CallStatus": "completed", "Duration": "44",
                           "HangupCause": "NORMAL_CLEARING", "From": "919262171438", "To": "919148227303"}).encode()
        signature = "sha256=" + hmac.new(TOKEN.encode(), body, hashlib.sha256).hexdigest()
        made.append(("/hangup", {"Content-Type": "application/json", "X-Hub-Signature-256": signature}, body))
    return made


class Server:
    """One server process on a free port of 127.0.0.1."""

    def __init__(self, bench: Bench, name: str, script: str, *args: str):
        self.port = free_port()
        path = bench.write_file("bench-%s.py" % name, script)
        self.log = bench.workdir / ("bench-%s.out" % name)
        with open(self.log, "wb") as out:
            # pylint: disable-next=consider-using-with
            self.process = subprocess.Popen([sys.executable, str(path), str(self.port), TOKEN] + list(args), stdout=out,
                                            stderr=subprocess.STDOUT, env=dict(os.environ, PYTHONDONTWRITEBYTECODE="1"))
        try:
            wait_for(lambda: accepts_connections(self.port), START_DEADLINE, what="the %s server on port %d" % (name, self.port),
                     gone=lambda: None if self.process.poll() is None else "it exited")
        except WaitTimeout as error:
            self.stop()
            raise BenchmarkError("%s:\n%s" % (error, self.log.read_text(errors="replace")[-3000:])) from None

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


async def _send_all(port: int, requests: list) -> tuple:
    """(seconds, statuses) of sending the requests over CONNECTIONS kept-alive connections: the first WARM_UP of them
    open the connections and are not timed."""
    import aiohttp  # pylint: disable=import-outside-toplevel

    statuses = {}
    pending = []
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=CONNECTIONS)) as session:
        async def worker():
            while pending:
                path, headers, body = pending.pop()
                async with session.post("http://127.0.0.1:%d%s" % (port, path), data=body, headers=headers) as response:
                    await response.read()
                    statuses[response.status] = statuses.get(response.status, 0) + 1

        timed = list(reversed(requests[WARM_UP:]))
        pending[:] = list(reversed(requests[:WARM_UP]))
        await asyncio.gather(*(worker() for index in range(CONNECTIONS)))
        pending[:] = timed
        started = time.perf_counter()
        await asyncio.gather(*(worker() for index in range(CONNECTIONS)))
        return time.perf_counter() - started, statuses


def send_hangup(port: int, call_uuid: str) -> None:
    """One signed hangup callback (the account's token, which the rulebook's environment gives the source); 200 or an error."""
    url = "http://127.0.0.1:%d/hangup" % port
    nonce = "%020d" % secrets.randbelow(10 ** 20)
    body = urlencode({"Event": "Hangup", "CallUUID": call_uuid, "CallStatus": "completed"})
    headers = {"Content-Type": "application/x-www-form-urlencoded", "X-Vobiz-Signature-V3": _b64_hmac(url + "." + nonce, AUTH_TOKEN),
               "X-Vobiz-Signature-V3-Nonce": nonce}
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("POST", "/hangup", body=body, headers=headers)
        response = connection.getresponse()
        response.read()
    finally:
        connection.close()
    if response.status != 200:
        raise BenchmarkError("the callbacks source answered %d to a signed callback" % response.status)


def latencies(bench: Bench) -> list:
    """Seconds from sending each of LATENCY_SAMPLES signed callbacks, one at a time, to its rule's line."""
    port = free_port()
    rulebook = start_rulebook(bench, 0, "callbacks-latency", LATENCY_RULEBOOK.format(port=port))
    try:
        rulebook.wait_for("the callbacks listener", lambda: accepts_connections(port), 120, every=0.05)
        send_hangup(port, "bench-warm-up")
        line_shown_at(rulebook, "bench-callback bench-warm-up")
        measured = []
        for number in range(LATENCY_SAMPLES):
            call_uuid = "bench-latency-%02d" % number
            sent = time.monotonic()
            send_hangup(port, call_uuid)
            measured.append(line_shown_at(rulebook, "bench-callback %s" % call_uuid) - sent)
    finally:
        rulebook.stop()
    return measured


def measure(bench: Bench):
    source = bench.collections / "ansible_collections" / "vobiz" / "telephony" / "extensions" / "eda" / "plugins" / "event_source" / "callbacks.py"
    callbacks = Server(bench, "callbacks", CALLBACKS, str(source))
    webhook = Server(bench, "webhook", WEBHOOK)
    try:
        rates = {"callbacks": [], "webhook": []}
        for round_number in range(ROUNDS):
            pairs = [("callbacks", callbacks, callback_requests(callbacks.port)), ("webhook", webhook, webhook_requests())]
            for name, server, made in pairs[::-1] if round_number % 2 else pairs:  # each goes first in turn
                seconds, statuses = asyncio.run(_send_all(server.port, made))
                if set(statuses) != {200}:
                    raise BenchmarkError("%s answered %s:\n%s" % (name, statuses, server.log.read_text(errors="replace")[-3000:]))
                rates[name].append(REQUESTS / seconds)
            progress("   round %d: callbacks %.0f/s, webhook baseline %.0f/s" % (round_number + 1, rates["callbacks"][-1], rates["webhook"][-1]))
    finally:
        callbacks.stop()
        webhook.stop()
    ours, theirs = statistics.median(rates["callbacks"]), statistics.median(rates["webhook"])
    ratios = [mine / baseline for mine, baseline in zip(rates["callbacks"], rates["webhook"], strict=True)]
    ratio = statistics.median(ratios)
    yield Figure("11a", "callbacks: signed callbacks taken a second", "%.0f/s" % ours, "-", None,
                 ["median of %d rounds of %d form-encoded callbacks signed V3 and V2 (a new nonce each), %d connections: %s"
                  % (ROUNDS, REQUESTS, CONNECTIONS, ", ".join("%.0f" % value for value in rates["callbacks"]))])
    yield Figure("11b", "callbacks against a webhook baseline", "%.2fx (%.0f/s)" % (ratio, theirs), ">= %.1fx" % TARGET_RATIO, ratio >= TARGET_RATIO,
                 ["median of the rounds' ratios: %s" % ", ".join("%.2f" % value for value in ratios),
                  "baseline: aiohttp doing what ansible.eda.webhook does (JSON body, HMAC-SHA256 of the body), same requests a round: %s"
                  % ", ".join("%.0f" % value for value in rates["webhook"]),
                  "both servers with ansible-rulebook's one-place queue drained at once; the client runs in the benchmark's process"])
    progress("   callback -> rule through ansible-rulebook, %d callbacks one at a time" % LATENCY_SAMPLES)
    measured = latencies(bench)
    yield Figure("11c", "callbacks: callback -> rule fired (median)", "%.3f s" % statistics.median(measured), "-", None,
                 ["%d signed hangup callbacks one after the other, from sending to the rule's debug line in ansible-rulebook's output: %s s"
                  % (len(measured), ", ".join("%.3f" % value for value in measured)),
                  "call_events at interval 1 (figures 6a, 6b): about half an interval on average, a whole interval at worst, plus a look"])
    yield Figure("11d", "callbacks, worst: callback -> rule fired", "%.3f s" % max(measured), "-", None, [])
    per_minute = (2 + LIVE_CALLS) * 60 / CALL_EVENTS_INTERVAL
    yield Figure("11e", "API requests a minute, %d live calls: callbacks / call_events" % LIVE_CALLS, "0 / %.0f" % per_minute, "-", None,
                 ["callbacks has no API client at all; call_events at interval %g with its defaults makes one list request per status and "
                  "one record request per live call a look, (2 + %d) x 60 / %g (figure 6c measures the per-look count with 100 calls)"
                  % (CALL_EVENTS_INTERVAL, LIVE_CALLS, CALL_EVENTS_INTERVAL)])
