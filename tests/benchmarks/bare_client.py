# Copyright: vobiz.telephony contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The floor for list mode: the same 1 + N requests as live_call_info, in bare Python, nothing else.

python -m tests.benchmarks.bare_client API_URL AUTH_ID AUTH_TOKEN [WORKERS]
lists the account's live calls, fetches every record over WORKERS (8) connections of one requests.Session,
and prints how many records it got.
"""

from __future__ import annotations

import sys
from concurrent.futures import ThreadPoolExecutor

import requests
from requests.adapters import HTTPAdapter


def new_session(auth_id: str, auth_token: str, workers: int) -> requests.Session:
    session = requests.Session()
    session.mount("http://", HTTPAdapter(pool_maxsize=workers))
    session.mount("https://", HTTPAdapter(pool_maxsize=workers))
    session.headers.update({"Accept": "application/json", "X-Auth-ID": auth_id, "X-Auth-Token": auth_token})
    return session


def get_json(session: requests.Session, url: str):
    response = session.get(url, params={"status": "live"}, timeout=30)
    response.raise_for_status()
    return response.json()


def fetch_live_calls(api_url: str, auth_id: str, auth_token: str, workers: int) -> list:
    calls_url = "%s/Account/%s/Call/" % (api_url.rstrip("/"), auth_id)
    with new_session(auth_id, auth_token, workers) as session:
        # uuid strings, or records with a call_uuid (the simulator's wrapped style)
        uuids = [item if isinstance(item, str) else item["call_uuid"] for item in get_json(session, calls_url)["calls"]]
        with ThreadPoolExecutor(max_workers=workers) as pool:
            return list(pool.map(lambda uuid: get_json(session, "%s%s/" % (calls_url, uuid)), uuids))


def main(argv: list) -> int:
    api_url, auth_id, auth_token = argv[:3]
    workers = int(argv[3]) if len(argv) > 3 else 8
    print(len(fetch_live_calls(api_url, auth_id, auth_token, workers)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
