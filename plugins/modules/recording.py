#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: vobiz.telephony contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: recording
short_description: Delete Vobiz call recordings - by id, or those a search finds, under a retention rule
version_added: 0.2.0
description:
  - Deletes call recordings with C(DELETE /api/v1/Account/{auth_id}/Recording/{recording_id}/), each recording once,
    O(concurrency) at a time.
  - The recordings are those of O(recording_ids), or those a search finds with the same filters as
    M(vobiz.telephony.recording_info) (typically O(older_than_days) or O(added_before)), read over every page.
    With neither ids nor a filter, the module refuses to run unless O(all=true).
  - A recording already gone (HTTP 404) is neither a failure nor a change; it is listed in RV(kept).
  - With O(require_downloaded), only the recordings whose media is complete in that directory are deleted (as
    M(vobiz.telephony.recording_info) downloads it there); the others are kept, each with why.
  - Bad input is refused before any request, naming the option.
author:
  - Vobiz telephony maintainers (@vobiz)
options:
  state:
    description:
      - V(absent) deletes the recordings. It is the only state.
    type: str
    choices: [absent]
    default: absent
  recording_ids:
    description:
      - The recordings to delete, by id. Each letters, digits, V(-) and V(_) only, 1 to 128 characters; repeats are deleted once.
      - Not together with a search filter.
    type: list
    elements: str
  call_uuid:
    description:
      - Only the recordings of this call.
    type: str
  from_number:
    description:
      - Only recordings of calls from this number (a part of it, or the full number, with or without C(+)).
    type: str
  to_number:
    description:
      - Only recordings of calls to this number (a part of it, or the full number, with or without C(+)).
    type: str
  recording_type:
    description:
      - Only recordings of this type, such as V(call), V(conference) or V(trunk).
    type: str
  added_after:
    description:
      - Only recordings added at or after this moment (C(add_time__gte)). A date V(YYYY-MM-DD) (its midnight) or a
        timestamp such as V(2026-05-11T06:59:31Z); in UTC unless it carries an offset.
    type: str
  added_before:
    description:
      - Only recordings added at or before this moment (C(add_time__lte)). Written as O(added_after).
      - Not together with O(older_than_days).
    type: str
  older_than_days:
    description:
      - Only recordings added more than this many days ago (a shorthand for O(added_before), counted from the moment the
        task runs, in UTC).
    type: float
  all:
    description:
      - Delete every recording of the account when neither O(recording_ids) nor a filter is given. Without it, the module
        refuses to run with neither.
    type: bool
    default: false
  require_downloaded:
    description:
      - A directory. Delete only the recordings whose media is complete there (C(<recording_id>.<format>), its size equal to
        the media's length as the server reports it); keep the others, each with why in RV(kept).
    type: path
  concurrency:
    description:
      - How many pages are read, and how many recordings deleted, at a time, over one kept-alive session.
    type: int
    default: 8
notes:
  - "Vobiz's bulk delete is asynchronous and its path and body differ between sources, so each recording is deleted with
    its own C(DELETE .../Recording/{recording_id}/). A DELETE is idempotent: it is retried after a transient failure
    (5xx, 429, a lost connection), and a 404 after a retried attempt whose outcome was unknown is counted as deleted."
  - "The search is that of M(vobiz.telephony.recording_info) (C(limit=100) and C(offset), filters under the API's
    names, both answer shapes), and every filter is checked again on each recording received: a server that ignored
    C(add_time__lte) cannot make the module delete recordings newer than the rule."
  - "With O(require_downloaded), a file is complete when its size equals the media's C(Content-Length) as its server
    reports it to a C(HEAD) request (one per recording, credentials only to Vobiz's hosts); a recording without a media
    URL yet, a missing file, a short one or a media without a reported length is kept."
  - "With O(recording_ids), each recording is read first only in check mode or with O(require_downloaded); otherwise its
    DELETE alone says whether it was there."
seealso:
  - module: vobiz.telephony.recording_info
    description: List recordings and download their media first.
extends_documentation_fragment:
  - vobiz.telephony.connection
  - vobiz.telephony.attributes.deletes
"""

EXAMPLES = r"""
- name: Delete two recordings
  vobiz.telephony.recording:
    recording_ids:
      - c2186400-1c8c-11e4-a664-0026b945b52x
      - 0f1c9d1e-2a3b-4c5d-8e9f-112233445566

- name: Download the recordings older than 30 days
  vobiz.telephony.recording_info:
    older_than_days: 30
    limit: 100000
    dest: /srv/recordings
  register: archived

- name: Then delete those whose media is safe on disk
  vobiz.telephony.recording:
    recording_ids: "{{ archived.recordings | map(attribute='recording_id') | list }}"
    require_downloaded: /srv/recordings
  register: retention

- name: Every recording of the account (explicitly)
  vobiz.telephony.recording:
    all: true
  check_mode: true
"""

RETURN = r"""
changed:
  description: Whether a recording was deleted (in check mode, would be).
  returned: always
  type: bool
  sample: true
deleted:
  description: The ids of the recordings deleted (in check mode, that would be), in the order given or found.
  returned: always
  type: list
  elements: str
  sample: [c2186400-1c8c-11e4-a664-0026b945b52x]
kept:
  description: The recordings not deleted, each with why (V(already gone), not downloaded, incomplete ...).
  returned: always
  type: list
  elements: dict
  sample:
    - recording_id: 0f1c9d1e-2a3b-4c5d-8e9f-112233445566
      reason: "incomplete: /srv/recordings/0f1c9d1e-2a3b-4c5d-8e9f-112233445566.mp3 has 1024 of 8192 bytes"
failures:
  description: The recordings whose deletion failed (after the retries), each with why; the task then fails.
  returned: always
  type: list
  elements: dict
  sample: []
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

import datetime

from ansible_collections.vobiz.telephony.plugins.module_utils._module import client_from_module, fail_from_error, module_for
from ansible_collections.vobiz.telephony.plugins.module_utils._options import (
    CONCURRENCY,
    Option,
    directory_error,
    each,
    identifier_error,
    options_table,
    single,
)
from ansible_collections.vobiz.telephony.plugins.module_utils.api._recordings import RecordingApi
from ansible_collections.vobiz.telephony.plugins.module_utils.http._errors import VobizError
from ansible_collections.vobiz.telephony.plugins.module_utils.recordings._download import failures_message
from ansible_collections.vobiz.telephony.plugins.module_utils.recordings._retention import apply_retention
from ansible_collections.vobiz.telephony.plugins.module_utils.recordings._search import (
    FILTER_OPTIONS,
    criteria_of,
    filters_given,
    moment_order_error,
    search,
)

# A search for deletion reads every page: a bound only against an answer that never ends.
MAX_RECORDINGS = 10000000

OPTIONS = options_table(
    Option("state", "str", "absent", choices=["absent"]),
    Option("recording_ids", "list", elements="str", check=each(identifier_error)),
    *FILTER_OPTIONS.values(),
    Option("all", "bool", False),
    Option("require_downloaded", "path", check=single(directory_error)),
    CONCURRENCY,
    groups=FILTER_OPTIONS.groups,
)


def option_errors(params: dict) -> list:
    """Problems across this module's own options (their table checks each one), each naming its option."""
    errors = [error for error in [moment_order_error(params)] if error]
    filters = filters_given(params)
    if params["recording_ids"] is not None and filters:
        errors.append("recording_ids names the recordings and takes no search filter: drop %s, or recording_ids to search" % ", ".join(filters))
    if params["recording_ids"] is None and not filters and not params["all"]:
        errors.append("neither recording_ids nor a filter is given: set one, or all=true to delete every recording of the account")
    if params["all"] and (params["recording_ids"] is not None or filters):
        errors.append("all=true deletes every recording and takes no recording_ids nor filter")
    return errors


def main():
    module = module_for(OPTIONS)
    params = module.params
    client = client_from_module(module, OPTIONS, option_errors(params))
    try:
        with client:
            api = RecordingApi(client)
            if params["recording_ids"] is not None:
                targets = params["recording_ids"]
            else:
                criteria = criteria_of(params, datetime.datetime.now(datetime.timezone.utc))
                targets = search(api, criteria, MAX_RECORDINGS, params["concurrency"]).recordings
            result = apply_retention(api, targets, params["require_downloaded"], params["concurrency"], module.check_mode).as_result()
    except VobizError as error:
        fail_from_error(module, client, error, changed=False, deleted=[], kept=[], failures=[])
    result["http_retries"] = client.http_retries
    if module._diff:
        result["diff"] = {"before": {"recordings": result["deleted"]}, "after": {"recordings": []}}
    if result["failures"]:
        module.fail_json(msg=failures_message("deleted", result["failures"]), **result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
