# Copyright: vobiz.telephony contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""1. One ad hoc look at one call: `ansible -m vobiz.telephony.live_call_info` against `ansible -m ansible.builtin.uri` doing the same GET."""

from __future__ import annotations

import json
import statistics
from urllib.parse import urlencode

from .harness import AUTH_ID, AUTH_TOKEN, Bench, BenchmarkError
from .report import Figure, progress

RUNS = 5
TARGET_RATIO = 1.0


def module_command(call_uuid: str) -> list:
    """Credentials and URL come from VOBIZ_* in the environment."""
    return ["localhost", "-m", "vobiz.telephony.live_call_info", "-a", "call_uuid=%s" % call_uuid]


def uri_command(bench: Bench, call_uuid: str) -> list:
    """The module's GET by hand: same URL, same auth and Accept headers, the body returned."""
    url = "%s/Account/%s/Call/%s/?status=live" % (bench.api_url, AUTH_ID, call_uuid)
    headers = json.dumps({"X-Auth-ID": AUTH_ID, "X-Auth-Token": AUTH_TOKEN, "Accept": "application/json"}, separators=(",", ":"))
    return ["localhost", "-m", "ansible.builtin.uri", "-a", "url=%s headers=%s return_content=true" % (url, headers)]


def run_round(bench: Bench, commands: dict, order: tuple, times: dict) -> None:
    for name in order:
        times[name].append(bench.run_ansible("ansible", commands[name], "ad hoc %s" % name).seconds)


def check_same_requests(bench: Bench, expected: int) -> str:
    """Both commands must have sent the very same GET, once per run."""
    recorded = bench.recorded_requests()
    sent = {(entry["method"], entry["path"], urlencode(sorted(entry["query"].items()))) for entry in recorded}
    count = len(recorded)
    if len(sent) != 1 or count != expected:
        raise BenchmarkError("ad hoc runs sent %d requests of %d kinds, expected %d of one kind: %s" % (count, len(sent), expected, sorted(sent)))
    method, path, query = sent.pop()
    return "both sent %s %s?%s (%d requests in all)" % (method, path, query, count)


def measure(bench: Bench):
    bench.forget_calls_and_requests()
    call_uuid = bench.generate_live_calls(1, "adhoc-")[0]
    commands = {"module": module_command(call_uuid), "uri": uri_command(bench, call_uuid)}
    progress("   one untimed run of each, then %d interleaved rounds (module first in even rounds, uri first in odd ones)" % RUNS)
    run_round(bench, commands, ("module", "uri"), {"module": [], "uri": []})
    times = {"module": [], "uri": []}
    for number in range(RUNS):
        run_round(bench, commands, ("module", "uri") if number % 2 == 0 else ("uri", "module"), times)
    sent = check_same_requests(bench, 2 * (RUNS + 1))
    module, uri = statistics.median(times["module"]), statistics.median(times["uri"])
    ratio = module / uri
    return [Figure("1", "ad hoc, one call: module / uri", "%.2f (%.2f s / %.2f s)" % (ratio, module, uri), "<= %.1f" % TARGET_RATIO,
                   ratio <= TARGET_RATIO,
                   ["median wall time of `ansible localhost -m ...`, %d runs each" % RUNS,
                    "module runs: %s s" % _listed(times["module"]), "uri runs:    %s s" % _listed(times["uri"]), sent])]


def _listed(values: list) -> str:
    return ", ".join("%.2f" % value for value in values)
