#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: vobiz.telephony contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: recording_info
short_description: Vobiz call recordings - one, or a search over every page, and their media downloaded into a directory
version_added: 0.2.0
description:
  - Reads the account's call recordings from C(GET /api/v1/Account/{auth_id}/Recording/) and C(.../Recording/{recording_id}/).
  - With O(recording_id), returns that recording (none when Vobiz has no such recording, which is not a failure).
  - Without it, searches. Every filter that is set is sent under the API's name; the module reads every page, 100
    recordings a page, the first one alone and, once it has given the total, the others O(concurrency) at a time. At most
    O(limit) recordings come back, newest first; no page beyond O(limit) is read.
  - With O(dest), it also downloads each recording's media into O(dest)C(/<recording_id>.<format>), O(concurrency) at a
    time, each file written to a temporary file in O(dest) and renamed into place, with O(mode). A file already complete
    is not fetched again, so a rerun downloads nothing and reports C(changed=false); a file cut short is fetched again.
  - Bad input is refused before any request, naming the option.
author:
  - Vobiz telephony maintainers (@vobiz)
options:
  recording_id:
    description:
      - The recording to read. Letters, digits, V(-) and V(_) only, 1 to 128 characters.
      - Omit it to search. Not allowed together with a search filter or a non-default O(limit).
    type: str
  call_uuid:
    description:
      - Only the recordings of this call (Vobiz's C(call_uuid), the CDR's C(uuid)).
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
      - Only recordings of this type, such as V(call), V(conference) or V(trunk) (Vobiz's sources list different values).
    type: str
  added_after:
    description:
      - Only recordings added at or after this moment, sent as C(add_time__gte). A date V(YYYY-MM-DD) (its midnight) or a
        timestamp such as V(2026-05-11T06:59:31Z) or V(2026-05-11 12:29:31+05:30); in UTC unless it carries an offset.
    type: str
  added_before:
    description:
      - Only recordings added at or before this moment, sent as C(add_time__lte). Written as O(added_after).
      - Not together with O(older_than_days).
    type: str
  older_than_days:
    description:
      - Only recordings added more than this many days ago (a shorthand for O(added_before), counted from the moment the
        task runs, in UTC).
    type: float
  limit:
    description:
      - The most recordings a search returns. No page beyond it is read; RV(truncated) says whether there were more.
    type: int
    default: 1000
  concurrency:
    description:
      - How many pages are read, and how many files downloaded, at a time, over one kept-alive session.
    type: int
    default: 8
  dest:
    description:
      - A directory (it must exist) to download each recording's media into, as C(<recording_id>.<format>).
      - The format is the one the media's first bytes show (C(ID3) or an MPEG frame is V(mp3), C(RIFF....WAVE) is
        V(wav)), else its content type, else the recording's C(recording_format); so a C(.mp3) URL serving WAV audio is
        saved as C(.wav).
      - A recording without a C(recording_url) yet is not ready; it is listed in RV(not_ready), not downloaded.
      - In check mode nothing is downloaded, and RV(downloaded) lists the files that would be written.
    type: path
  mode:
    description:
      - The permissions of each file downloaded, in octal, such as V('0640') (quote it in YAML). Set on a complete file
        already there too (a change).
      - Default, the usual V(0666) less the umask.
    type: raw
notes:
  - "The list is asked with C(limit=100) and C(offset), filters under the API's names (C(call_uuid), C(recording_type),
    C(from_number), C(to_number), C(add_time__gte), C(add_time__lte) as C(YYYY-MM-DD HH:MM:SS) in UTC). The answer is
    read as C({api_id, meta, objects}) (C(meta.total_count)) or as the older C({recordings: [...]}) (no total: pages read one
    after another until a short one); one recording flat or wrapped in C(objects[0]); the media URL from C(recording_url)
    or C(url), the format from C(recording_format), C(format) or C(file_format)."
  - "The time filters are not in every published version of Vobiz's API: every filter is checked again on each recording
    received (C(add_time) with a local offset such as C(+05:30), or C(Z)); a recording whose C(add_time) cannot be read
    matches no time filter. The recordings are sorted newest first by C(add_time); RV(total) is Vobiz's count."
  - "A file is complete when its size equals the media's C(Content-Length) as its server reports it to a C(HEAD) request
    (one request per file already there, no body read); without a length, or when the server refuses C(HEAD), the
    file is fetched again. The size of each download is checked against the C(Content-Length) of its answer."
  - "The credentials go with a media request only to C(https) hosts of C(vobiz.ai) (C(*.vobiz.ai)) and to the origin of
    O(api_url), never to another host a recording's URL names, nor past a redirect to another origin.
    O(timeout) bounds each connect and each read of a download, not the whole file."
seealso:
  - module: vobiz.telephony.recording
    description: Delete recordings, for example those downloaded here.
  - module: vobiz.telephony.cdr_info
    description: The finished calls the recordings belong to.
extends_documentation_fragment:
  - vobiz.telephony.connection
  - vobiz.telephony.attributes.downloads
"""

EXAMPLES = r"""
- name: One recording
  vobiz.telephony.recording_info:
    recording_id: c2186400-1c8c-11e4-a664-0026b945b52x
  register: one

- name: The recordings of a call
  vobiz.telephony.recording_info:
    call_uuid: 2ded13fe-4f9b-4958-9bfb-093ea2f29f91
  register: of_call

- name: Download last week's recordings for the archive
  vobiz.telephony.recording_info:
    added_after: "{{ '%Y-%m-%d' | strftime(ansible_date_time.epoch | int - 7 * 86400) }}"
    dest: /srv/recordings
    mode: "0640"
  register: archived

- name: Say what was fetched
  ansible.builtin.debug:
    msg: "{{ archived.downloaded | length }} new files; {{ archived.not_ready | length }} not ready yet"
"""

RETURN = r"""
recordings:
  description: The recordings found (the one asked for, or a search's, newest first, at most O(limit)), each as Vobiz sent it.
  returned: always
  type: list
  elements: dict
  sample:
    - recording_id: c2186400-1c8c-11e4-a664-0026b945b52x
      call_uuid: 2ded13fe-4f9b-4958-9bfb-093ea2f29f91
      recording_url: https://media.vobiz.ai/api/v1/Account/MA_XXXXXXXX/Recording/c2186400-1c8c-11e4-a664-0026b945b52x.mp3
      recording_format: mp3
      recording_type: call
      add_time: "2026-05-07 09:45:35.79276+05:30"
      from_number: "+919262171438"
      to_number: "919148227303"
      recording_duration_ms: "7880.00000"
count:
  description: How many recordings RV(recordings) holds.
  returned: always
  type: int
  sample: 1
total:
  description: How many recordings match the filters, as Vobiz's C(meta.total_count) says (for O(recording_id), RV(count)).
  returned: always
  type: int
  sample: 1250
truncated:
  description: Whether more recordings matched than O(limit) let the module return.
  returned: always
  type: bool
  sample: false
downloaded:
  description: The files written (in check mode, that would be written), in the recordings' order.
  returned: when O(dest) is set
  type: list
  elements: str
  sample: [/srv/recordings/c2186400-1c8c-11e4-a664-0026b945b52x.mp3]
not_ready:
  description: The recordings without a media URL yet (not downloaded).
  returned: when O(dest) is set
  type: list
  elements: str
  sample: []
failures:
  description: The recordings whose media could not be downloaded, each with why; the task then fails.
  returned: when O(dest) is set
  type: list
  elements: dict
  sample:
    - recording_id: c2186400-1c8c-11e4-a664-0026b945b52x
      msg: GET https://media.vobiz.ai/... answered HTTP 404 Not Found
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
from ansible_collections.vobiz.telephony.plugins.module_utils._options import CONCURRENCY, Option, directory_error, identifier_error, options_table, single
from ansible_collections.vobiz.telephony.plugins.module_utils.api._recordings import RecordingApi
from ansible_collections.vobiz.telephony.plugins.module_utils.http._errors import VobizError
from ansible_collections.vobiz.telephony.plugins.module_utils.recordings._download import MODE, download_all, failures_message, mode_of
from ansible_collections.vobiz.telephony.plugins.module_utils.recordings._search import (
    FILTER_OPTIONS,
    criteria_of,
    filters_given,
    moment_order_error,
    search,
)

LIMIT = Option("limit", "int", 1000, at_least=1)

OPTIONS = options_table(
    Option("recording_id", "str", check=single(identifier_error)),
    *FILTER_OPTIONS.values(),
    LIMIT,
    CONCURRENCY,
    Option("dest", "path", check=single(directory_error)),
    MODE,
    groups=FILTER_OPTIONS.groups,
)


def option_errors(params: dict) -> list:
    """Problems across this module's own options (their table checks each one), each naming its option."""
    errors = [error for error in [moment_order_error(params)] if error]
    if params["recording_id"] is not None:
        given = filters_given(params)
        if given:
            errors.append("recording_id reads one recording and takes no search filter: drop %s, or recording_id to search" % ", ".join(given))
        if params["limit"] != LIMIT.default:
            errors.append("limit applies to a search and takes no recording_id")
    return errors


def main():
    module = module_for(OPTIONS)
    params = module.params
    client = client_from_module(module, OPTIONS, option_errors(params))
    result = {}
    try:
        with client:
            api = RecordingApi(client)
            if params["recording_id"] is not None:
                recording = api.fetch(params["recording_id"])
                found = [recording] if recording is not None else []
                result = dict(recordings=found, count=len(found), total=len(found), truncated=False)
            else:
                criteria = criteria_of(params, datetime.datetime.now(datetime.timezone.utc))
                result = search(api, criteria, params["limit"], params["concurrency"]).as_result()
            if params["dest"] is not None:
                downloads = download_all(api, result["recordings"], params["dest"], mode_of(params["mode"]), params["concurrency"], module.check_mode)
                result.update(downloads.as_result(), changed=downloads.changed)
    except VobizError as error:
        fail_from_error(module, client, error, **result)
    result.setdefault("changed", False)
    result["http_retries"] = client.http_retries
    if result.get("failures"):
        module.fail_json(msg=failures_message("downloaded", result["failures"]), **result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
