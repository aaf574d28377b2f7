#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: vobiz.telephony contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: application
short_description: Create, update and delete Vobiz applications
version_added: 0.2.0
description:
  - Keeps one Vobiz application (the answer, hangup, fallback and message URLs that handle a number's calls) in the
    state the task declares.
  - It looks the application up by O(app_id), or by O(name) over every page of the account's applications. An absent
    application is created; one whose managed fields differ is updated; otherwise nothing is sent but the reads.
    A second run sends only reads and reports RV(ignore:changed=false).
  - B(An option left unset is not managed:) it is neither compared nor changed.
  - Two applications with the same name fail the task, naming both C(app_id)s; give O(app_id) to say which one.
author:
  - Vobiz telephony maintainers (@vobiz)
options:
  name:
    description:
      - The application's name, Vobiz's C(app_name). Letters, digits, V(-) and V(_) only.
      - The application is looked up by this name unless O(app_id) is given. With O(app_id), a different name renames it.
      - One of O(name) and O(app_id) is required; O(name) is required to create an application.
    type: str
  app_id:
    description:
      - The application's id, to act on it without looking it up by name. Letters, digits, V(-) and V(_) only.
      - With O(state=present), an O(app_id) Vobiz does not know fails the task (a new application would get another id).
    type: str
  state:
    description:
      - V(present) creates or updates the application; V(absent) deletes it.
    type: str
    choices: [present, absent]
    default: present
  answer_url:
    description:
      - The URL Vobiz requests when a call is answered; it must return VobizXML. An absolute V(http://) or V(https://) URL.
      - A plain V(http://) URL to a host other than loopback draws a warning (so do the other URLs), as Vobiz wants HTTPS.
      - Required with O(state=present).
    type: str
  answer_method:
    description:
      - How Vobiz requests O(answer_url). Always sent, so always managed.
    type: str
    choices: [GET, POST]
    default: POST
  hangup_url:
    description:
      - The URL Vobiz requests when a call ends (Vobiz's default is O(answer_url)). Checked like O(answer_url).
    type: str
  hangup_method:
    description:
      - How Vobiz requests O(hangup_url).
    type: str
    choices: [GET, POST]
  fallback_answer_url:
    description:
      - The URL Vobiz requests when O(answer_url) fails or returns bad XML. Checked like O(answer_url).
    type: str
  fallback_method:
    description:
      - How Vobiz requests O(fallback_answer_url).
    type: str
    choices: [GET, POST]
  message_url:
    description:
      - The URL Vobiz requests for a message. Checked like O(answer_url).
    type: str
  message_method:
    description:
      - How Vobiz requests O(message_url).
    type: str
    choices: [GET, POST]
  default_number_app:
    description:
      - Whether numbers added later without an application go to this one.
      - Vobiz never returns this field, so a difference in it cannot be seen. When set, it is sent on create and with every
        update; it alone never causes an update. Left unset, it is never sent.
    type: bool
  default_endpoint_app:
    description:
      - Whether endpoints added later without an application go to this one.
    type: bool
  log_incoming_messages:
    description:
      - Whether Vobiz logs the messages this application receives.
    type: bool
  detach_numbers:
    description:
      - With O(state=absent), detach the numbers routed to the application before deleting it (check mode lists them in
        RV(detached_numbers)). Without it, Vobiz refuses to delete an application in use (HTTP 409) and the task fails
        naming the numbers.
    type: bool
    default: false
  concurrency:
    description:
      - How many pages of the list are read (and numbers detached) at a time, over one kept-alive session (1 to 64).
    type: int
    default: 8
extends_documentation_fragment:
  - vobiz.telephony.connection
  - vobiz.telephony.attributes.configures
notes:
  - "Vobiz's sources disagree on whether an update keeps a field it omits (one says C(default_endpoint_app) resets to
    false). So an update (C(POST /Account/{auth_id}/Application/{app_id}/)) sends the whole merged set: C(app_name),
    the task's value of each option it sets, and the current value of each other field Vobiz returned (a field Vobiz
    returned null is left out, as its default is null too). The update carries the whole state, so it is retried like a read."
  - "O(log_incoming_messages) is sent as both C(log_incoming_message) (the current docs and the application object) and
    C(log_incoming_messages) (the older docs and the Go SDK), and read back under either name."
  - "O(default_number_app) is never returned by Vobiz: see the option. Vobiz's OpenAPI lists it as required on update;
    this module follows the rule above and sends it only when the task sets it."
  - "A create (C(POST /Account/{auth_id}/Application/)) is not idempotent: it is never sent twice. It is retried only after
    HTTP 429 or a connection that could not be opened. After a time-out, a dropped connection or a 5xx, the module looks
    the name up once: an application found is reported as created (with a warning); none found fails the task saying
    that it may still have been created. A 200 or a 201 are both taken as success."
  - "Application names: Vobiz documents letters, digits, V(-) and V(_), although its own examples hold spaces; the
    module takes the documented rule. Names are not documented as unique, hence the check for duplicates."
  - The list is read 100 applications a page, with C(limit) and C(offset) counted by the module (C(meta.next) lacks the
    C(/api) prefix and is not followed).
  - Numbers are listed with C(GET /Account/{auth_id}/numbers) (C(page), C(per_page=100); C(items) or C(objects)) and a
    number's application is its C(application_id) (else C(app_id), else C(application.app_id)). A number is detached with
    C(DELETE /Account/{auth_id}/numbers/%2B<digits>/application), the C(+) encoded as C(%2B).
  - Other fields of an application (C(sub_account), C(enabled), C(public_uri), the C(sip_*) fields) are not managed nor sent.
seealso:
  - module: vobiz.telephony.application_info
"""

EXAMPLES = r"""
- name: Route calls to the IVR
  vobiz.telephony.application:
    name: support-ivr
    answer_url: https://ivr.example.com/answer
    hangup_url: https://ivr.example.com/hangup
    fallback_answer_url: https://backup.example.com/answer
    default_endpoint_app: false
  register: ivr

- name: Show the application's id
  ansible.builtin.debug:
    msg: "{{ ivr.app_id }}"

- name: Change only the answer URL, and show what changed
  vobiz.telephony.application:
    name: support-ivr
    answer_url: https://ivr.example.com/v2/answer
  diff: true

- name: Delete an application, detaching the numbers still routed to it
  vobiz.telephony.application:
    name: old-ivr
    state: absent
    detach_numbers: true
"""

RETURN = r"""
app_id:
  description:
    - The application's id. Null when it does not exist (nor would in check mode).
  returned: always
  type: str
  sample: "12345678901234567"
application:
  description:
    - The application as Vobiz returned it after the change (in check mode, as it would be; empty once deleted).
  returned: always
  type: dict
  sample:
    app_id: "12345678901234567"
    app_name: support-ivr
    answer_url: https://ivr.example.com/answer
    answer_method: POST
    hangup_url: https://ivr.example.com/hangup
    hangup_method: POST
    fallback_answer_url: null
    fallback_method: POST
    message_url: null
    message_method: POST
    default_endpoint_app: false
    log_incoming_message: true
    application_type: XML
    sip_uri: sip:12345678901234567@app.vobiz.ai
diff:
  description:
    - The managed fields, by option, before and after. An update shows only the fields that differ; a create has an
      empty C(before), a delete an empty C(after). Shown with C(--diff).
  returned: always
  type: dict
  sample:
    before: {answer_url: https://ivr.example.com/answer}
    after: {answer_url: https://ivr.example.com/v2/answer}
detached_numbers:
  description:
    - The numbers detached before the delete (in check mode, that would be), with O(detach_numbers).
  returned: always
  type: list
  elements: str
  sample: ["+919876543210"]
numbers:
  description: The numbers still routed to the application when Vobiz refused to delete it.
  returned: on failure, when Vobiz refused the delete (HTTP 409)
  type: list
  elements: str
  sample: ["+919876543210"]
app_ids:
  description: The ids of the applications sharing the name, when there are several.
  returned: on failure, when the name is not unique
  type: list
  elements: str
  sample: ["12345678901234567", "12345678901234568"]
http_retries:
  description: How many HTTP requests were retried (each one also draws a warning).
  returned: always
  type: int
  sample: 0
status_code:
  description: The HTTP status of the answer that made the task fail.
  returned: on failure, when the server answered
  type: int
  sample: 409
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

from ansible_collections.vobiz.telephony.plugins.module_utils.api._applications import ApplicationApi, app_id_of
from ansible_collections.vobiz.telephony.plugins.module_utils.api._numbers import NumberApi
from ansible_collections.vobiz.telephony.plugins.module_utils.common._vobiz import CALLBACK_METHODS, DEFAULT_CALLBACK_METHOD
from ansible_collections.vobiz.telephony.plugins.module_utils.config._applications import FIELDS, ApplicationError, ApplicationStore, find, url_warnings
from ansible_collections.vobiz.telephony.plugins.module_utils.config._converge import ABSENT, PRESENT, converge, wanted_values
from ansible_collections.vobiz.telephony.plugins.module_utils.http._errors import VobizError
from ansible_collections.vobiz.telephony.plugins.module_utils._module import client_from_module, fail_from_error, module_argument_spec, module_for
from ansible_collections.vobiz.telephony.plugins.module_utils._options import (
    CONCURRENCY,
    ONE_OF,
    Group,
    Option,
    app_name_error,
    identifier_error,
    options_table,
    single,
    url_error,
)

METHODS = list(CALLBACK_METHODS)

OPTIONS = options_table(
    Option("name", "str", check=single(app_name_error)),
    Option("app_id", "str", check=single(identifier_error)),
    Option("state", "str", PRESENT, choices=[PRESENT, ABSENT]),
    Option("answer_url", "str", check=single(url_error)),
    Option("answer_method", "str", DEFAULT_CALLBACK_METHOD, choices=METHODS),
    Option("hangup_url", "str", check=single(url_error)),
    Option("hangup_method", "str", choices=METHODS),
    Option("fallback_answer_url", "str", check=single(url_error)),
    Option("fallback_method", "str", choices=METHODS),
    Option("message_url", "str", check=single(url_error)),
    Option("message_method", "str", choices=METHODS),
    Option("default_number_app", "bool"),
    Option("default_endpoint_app", "bool"),
    Option("log_incoming_messages", "bool"),
    Option("detach_numbers", "bool", False),
    CONCURRENCY,
    groups=(Group(ONE_OF, ("name", "app_id"), "give the application's name, or its app_id"),),
)


def argument_spec() -> dict:
    return module_argument_spec(OPTIONS)


def rules(params: dict) -> list:
    """The module's rules across options (each option's own check is in OPTIONS)."""
    if params["state"] == PRESENT and params["answer_url"] is None:
        return ["answer_url is required with state=present"]
    return []


def failed(module, store: ApplicationStore | None, result: dict) -> None:
    """Before a failure: the store's warnings said, and the numbers it detached in the result."""
    for warning in store.warnings if store else []:
        module.warn(warning)
    result["detached_numbers"] = store.detached if store else []


def main():
    module = module_for(OPTIONS)
    params = module.params
    client = client_from_module(module, OPTIONS, rules(params))
    for warning in url_warnings(params):
        module.warn(warning)
    store = None
    result = dict(changed=False, app_id=params["app_id"], application={}, diff={"before": {}, "after": {}}, detached_numbers=[])
    try:
        with client:
            api = ApplicationApi(client)
            store = ApplicationStore(api, NumberApi(client), params["concurrency"], params["detach_numbers"])
            current = find(api, params["name"], params["app_id"], params["concurrency"])
            result["app_id"] = app_id_of(current) if current is not None else params["app_id"]
            if current is None and params["state"] == PRESENT and params["app_id"] is not None:
                raise ApplicationError("Vobiz has no application app_id %s: give its name alone to create one" % params["app_id"])
            if current is None and params["state"] == PRESENT and params["name"] is None:
                raise ApplicationError("name is required to create an application")
            outcome = converge(store, FIELDS, wanted_values(FIELDS, params), params["state"], current, module.check_mode)
    except ApplicationError as failure:
        result.update(failure.result)
        failed(module, store, result)
        if failure.error is not None:
            fail_from_error(module, client, failure.error, msg=failure.message, **result)
        module.fail_json(msg=failure.message, http_retries=client.http_retries, **result)
    except VobizError as error:
        failed(module, store, result)
        fail_from_error(module, client, error, **result)
    for warning in store.warnings:
        module.warn(warning)
    module.exit_json(changed=outcome.changed, app_id=outcome.key, application=outcome.after, diff=outcome.plan.diff(),
                     detached_numbers=store.detached, http_retries=client.http_retries)


if __name__ == "__main__":
    main()
