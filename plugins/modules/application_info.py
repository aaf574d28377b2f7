#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: vobiz.telephony contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: application_info
short_description: Read Vobiz applications
version_added: 0.2.0
description:
  - Returns every application of the account, or the one named O(name), or the one under O(app_id).
  - The list is read 100 applications a page; page 1 says how many there are, and the other pages are then read
    O(concurrency) at a time.
  - Read-only; the same in check mode.
author:
  - Vobiz telephony maintainers (@vobiz)
options:
  name:
    description:
      - Return only the applications of this name (Vobiz's C(app_name)). Letters, digits, V(-) and V(_) only.
      - Vobiz has no filter by name, so every page is read. Names are not documented as unique, so several may match.
      - At most one of O(name) and O(app_id).
    type: str
  app_id:
    description:
      - Return only this application, read with one request (none when Vobiz does not know it).
      - Letters, digits, V(-) and V(_) only. At most one of O(name) and O(app_id).
    type: str
  concurrency:
    description:
      - How many pages are read at a time after the first, over one kept-alive session (1 to 64).
    type: int
    default: 8
extends_documentation_fragment:
  - vobiz.telephony.connection
  - vobiz.telephony.attributes.info_module
notes:
  - Pages are read with C(limit) and C(offset) (C(GET /Account/{auth_id}/Application/)); C(meta.next) lacks the C(/api)
    prefix and is not followed. A list that gives no C(meta.total_count) is read a page after another until a short page.
  - Vobiz never returns C(default_number_app), so the applications returned do not hold it.
seealso:
  - module: vobiz.telephony.application
"""

EXAMPLES = r"""
- name: Read every application of the account
  vobiz.telephony.application_info:
  register: apps

- name: Show their names
  ansible.builtin.debug:
    msg: "{{ apps.applications | map(attribute='app_name') | list }}"

- name: Read one application by name
  vobiz.telephony.application_info:
    name: support-ivr
  register: ivr

- name: Fail unless it exists
  ansible.builtin.assert:
    that: ivr.count == 1
"""

RETURN = r"""
applications:
  description:
    - The applications, as Vobiz returned them, in the list's order (one read by O(app_id) without its C(api_id)).
  returned: always
  type: list
  elements: dict
  sample:
    - app_id: "12345678901234567"
      app_name: support-ivr
      answer_url: https://ivr.example.com/answer
      answer_method: POST
      hangup_url: https://ivr.example.com/answer
      hangup_method: POST
      default_endpoint_app: false
      log_incoming_message: true
count:
  description: How many applications were returned.
  returned: always
  type: int
  sample: 1
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

from ansible_collections.vobiz.telephony.plugins.module_utils.api._applications import ApplicationApi
from ansible_collections.vobiz.telephony.plugins.module_utils.config._applications import named
from ansible_collections.vobiz.telephony.plugins.module_utils.http._errors import VobizError
from ansible_collections.vobiz.telephony.plugins.module_utils._module import client_from_module, fail_from_error, module_argument_spec, module_for
from ansible_collections.vobiz.telephony.plugins.module_utils._options import (
    CONCURRENCY,
    EXCLUSIVE,
    Group,
    Option,
    app_name_error,
    identifier_error,
    options_table,
    single,
)

OPTIONS = options_table(
    Option("name", "str", check=single(app_name_error)),
    Option("app_id", "str", check=single(identifier_error)),
    CONCURRENCY,
    groups=(Group(EXCLUSIVE, ("name", "app_id"), "give one of them, or neither for every application"),),
)


def argument_spec() -> dict:
    return module_argument_spec(OPTIONS)


def read(api: ApplicationApi, params: dict) -> list:
    if params["app_id"] is not None:
        found = api.fetch(params["app_id"])
        return [found] if found is not None else []
    applications = api.list_all(params["concurrency"])
    return named(applications, params["name"]) if params["name"] is not None else applications


def main():
    module = module_for(OPTIONS)
    client = client_from_module(module, OPTIONS)
    try:
        with client:
            applications = read(ApplicationApi(client), module.params)
    except VobizError as error:
        fail_from_error(module, client, error, applications=[], count=0)
    module.exit_json(changed=False, applications=applications, count=len(applications), http_retries=client.http_retries)


if __name__ == "__main__":
    main()
