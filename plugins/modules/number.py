#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: vobiz.telephony contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: number
short_description: Route Vobiz phone numbers to an application, a trunk, or neither
version_added: 0.2.0
description:
  - Keeps the routing of the account's phone numbers (where each one sends its calls) in the state the task declares
    in O(route_to).
  - It reads the owned numbers once (every page) and checks every number given before any write; a number the account
    does not own fails the task, naming it, and nothing is changed. The application of O(application) is resolved
    once.
  - Only the numbers whose routing differs are changed, O(concurrency) at a time. A second run sends only reads and
    reports RV(ignore:changed=false).
  - Buying and releasing numbers cost money and are not done by this module; M(vobiz.telephony.number_info) searches
    the numbers on sale.
author:
  - Vobiz telephony maintainers (@vobiz)
options:
  number:
    description:
      - One phone number, in E.164 (digits, with or without a leading V(+)).
      - Exactly one of O(number) and O(numbers).
    type: str
  numbers:
    description:
      - Several phone numbers, in E.164 (digits, with or without a leading V(+)); at most 1000, each one once (a number
        given twice counts once).
      - Exactly one of O(number) and O(numbers).
    type: list
    elements: str
  route_to:
    description:
      - V(application) routes the numbers to O(application) (their trunk, if any, is unassigned).
      - V(trunk) assigns them to the trunk O(trunk_group_id) (their application, if any, is detached).
      - V(none) detaches their application and unassigns their trunk.
    type: str
    choices: [application, trunk, none]
    required: true
  application:
    description:
      - With O(route_to=application), the application, by its C(app_id) or by its name (Vobiz's C(app_name)); letters,
        digits, V(-) and V(_) only.
      - A value of digits is first read as an C(app_id); any other value, or an C(app_id) Vobiz does not know, is looked
        up by name over every page of the applications. Two applications of that name fail the task, naming both.
    type: str
  trunk_group_id:
    description:
      - With O(route_to=trunk), the trunk's id (a UUID). Letters, digits, V(-) and V(_) only.
    type: str
  concurrency:
    description:
      - How many numbers are changed at a time (and pages of applications read), over one kept-alive session (1 to 64).
    type: int
    default: 8
extends_documentation_fragment:
  - vobiz.telephony.connection
  - vobiz.telephony.attributes.configures
notes:
  - "The owned numbers are read with C(GET /Account/{auth_id}/numbers). The sources disagree on its paging (C(page) and
    C(per_page) answered with C(items) and C(total); C(limit) and C(offset); an answer of C(objects) and C(meta)), so
    each page is asked for under both forms at once (C(page), C(per_page=100), C(limit=100), C(offset)) and either answer
    is read; the pages end at an empty or short page, or at the total."
  - "A number's application is its C(application_id) (else C(app_id), else C(application.app_id)); its trunk is its
    C(trunk_group_id) (absent or null when it has none: the docs give both)."
  - "Paths follow the current docs: C(/Account/) capitalised and the number's C(+) as C(%2B); a body keeps the C(+)."
  - "An application is attached with C(POST /Account/{auth_id}/numbers/%2B<digits>/application) C({\"application_id\": ...})
    and detached with C(DELETE) on the same path. A trunk is assigned with C(POST .../numbers/%2B<digits>/assign)
    C({\"trunk_group_id\": ...}) and unassigned with C(DELETE) on it (with the same body). Each sets the number to a
    declared state, so each is idempotent and retried like a read after a time-out, a dropped connection, a 429 or a
    5xx. A 400 (trunk already assigned) to a retried assign is taken as the earlier attempt's doing; a 404 (no trunk) to
    an unassign of an owned number as already done."
  - "The sources publish three bodies for an attach's or a detach's answer (the current docs', an older one, the Go
    SDK's C({api_id, message})) and none for an assign's (204): no answer's body is read, only its 2xx status."
  - "Whether an attach clears the number's trunk is not documented, and an assign does not replace a trunk: so the
    module unassigns the old trunk first, detaches the application before a trunk is assigned, and attaches or assigns
    only what differs."
  - "The routing after a change is the one declared: the numbers are not read again."
seealso:
  - module: vobiz.telephony.number_info
  - module: vobiz.telephony.application
"""

EXAMPLES = r"""
- name: Route the support numbers to the IVR application
  vobiz.telephony.number:
    numbers:
      - "+919876543210"
      - "+919876543211"
    route_to: application
    application: support-ivr
  register: routed

- name: Show what changed
  ansible.builtin.debug:
    msg: "{{ routed.numbers | selectattr('changed') | map(attribute='number') | list }}"

- name: Send one number's calls to a SIP trunk, showing the change
  vobiz.telephony.number:
    number: "+919876543212"
    route_to: trunk
    trunk_group_id: 2f1c9a7e-5b3d-4e8f-9a1b-0c2d3e4f5a6b
  diff: true

- name: Route a number nowhere
  vobiz.telephony.number:
    number: "+919876543213"
    route_to: none
"""

RETURN = r"""
numbers:
  description:
    - Each number given, once, in the task's order, with its routing before and after (in check mode, as it would be)
      and whether it changed.
    - On a failure while writing, only the numbers changed before it.
  returned: always
  type: list
  elements: dict
  contains:
    number:
      description: The number, in E.164 with its V(+).
      returned: always
      type: str
      sample: "+919876543210"
    before:
      description: Its C(application_id) and C(trunk_group_id) as read (null when none).
      returned: always
      type: dict
      sample: {application_id: null, trunk_group_id: null}
    after:
      description: Its C(application_id) and C(trunk_group_id) as declared.
      returned: always
      type: dict
      sample: {application_id: "12345678901234567", trunk_group_id: null}
    changed:
      description: Whether its routing changed (would change in check mode).
      returned: always
      type: bool
      sample: true
  sample:
    - number: "+919876543210"
      before: {application_id: null, trunk_group_id: null}
      after: {application_id: "12345678901234567", trunk_group_id: null}
      changed: true
diff:
  description:
    - The changed numbers' routing, by number, before and after. Shown with C(--diff).
  returned: always
  type: dict
  sample:
    before: {"+919876543210": {application_id: null, trunk_group_id: null}}
    after: {"+919876543210": {application_id: "12345678901234567", trunk_group_id: null}}
unowned:
  description: The numbers given that the account does not own.
  returned: on failure, when some numbers given are not owned
  type: list
  elements: str
  sample: ["+919999999999"]
app_ids:
  description: The ids of the applications sharing the name given in O(application), when there are several.
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
  sample: 404
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
from ansible_collections.vobiz.telephony.plugins.module_utils.api._numbers import NumberApi
from ansible_collections.vobiz.telephony.plugins.module_utils.common._concurrency import unique_in_order
from ansible_collections.vobiz.telephony.plugins.module_utils.config._numbers import (
    APPLICATION,
    MAX_NUMBERS,
    ROUTES,
    TRUNK,
    NumberError,
    RoutingStore,
    converge_numbers,
    declared,
    diff_of,
    failed_entries,
    owned_routing,
    resolve_application,
)
from ansible_collections.vobiz.telephony.plugins.module_utils.http._errors import VobizError
from ansible_collections.vobiz.telephony.plugins.module_utils._module import client_from_module, fail_from_error, module_argument_spec, module_for
from ansible_collections.vobiz.telephony.plugins.module_utils._options import (
    CONCURRENCY,
    EXCLUSIVE,
    ONE_OF,
    Group,
    Option,
    app_name_error,
    e164,
    e164_error,
    each,
    identifier_error,
    options_table,
    single,
)


def numbers_errors(option: str, values: list) -> list:
    """Each number not E.164, then more than MAX_NUMBERS distinct numbers."""
    errors = each(e164_error)(option, values)
    distinct = len(unique_in_order(e164(value) for value in values)) if not errors else 0
    if distinct > MAX_NUMBERS:
        errors.append("%s holds %d numbers: at most %d" % (option, distinct, MAX_NUMBERS))
    return errors


_ONE_OR_SEVERAL = "give one number in number or several in numbers"
OPTIONS = options_table(
    Option("number", "str", check=single(e164_error)),
    Option("numbers", "list", elements="str", check=numbers_errors),
    Option("route_to", "str", required=True, choices=list(ROUTES)),
    Option("application", "str", check=single(app_name_error)),
    Option("trunk_group_id", "str", check=single(identifier_error)),
    CONCURRENCY,
    groups=(Group(EXCLUSIVE, ("number", "numbers"), _ONE_OR_SEVERAL), Group(ONE_OF, ("number", "numbers"), _ONE_OR_SEVERAL)),
)


def argument_spec() -> dict:
    return module_argument_spec(OPTIONS)


def rules(params: dict) -> list:
    """The module's rules across options (each option's own check is in OPTIONS): each target goes with its route."""
    errors = []
    for option, route in (("application", APPLICATION), ("trunk_group_id", TRUNK)):
        if params["route_to"] == route and params[option] is None:
            errors.append("%s is required with route_to=%s" % (option, route))
        if params["route_to"] != route and params[option] is not None:
            errors.append("%s goes only with route_to=%s" % (option, route))
    return errors


def main():
    module = module_for(OPTIONS)
    params = module.params
    client = client_from_module(module, OPTIONS, rules(params))
    given = unique_in_order(e164(value) for value in ([params["number"]] if params["number"] is not None else params["numbers"]))
    store = current = None
    result = dict(changed=False, numbers=[], diff={"before": {}, "after": {}})
    try:
        with client:
            numbers = NumberApi(client)
            store = RoutingStore(numbers)
            current = owned_routing(numbers, given)
            app_id = resolve_application(ApplicationApi(client), params["application"], params["concurrency"]) if params["route_to"] == APPLICATION else None
            wanted = declared(params["route_to"], app_id, params["trunk_group_id"])
            entries = converge_numbers(store, current, wanted, module.check_mode, params["concurrency"])
    except (NumberError, VobizError) as failure:
        if current is not None:
            result["numbers"] = failed_entries(store, current)
            result["diff"] = diff_of(result["numbers"])
            result["changed"] = bool(result["numbers"])
        error = failure.error if isinstance(failure, NumberError) else failure
        result.update(failure.result if isinstance(failure, NumberError) else {})
        if error is not None:
            fail_from_error(module, client, error, msg=failure.message, **result)
        module.fail_json(msg=failure.message, http_retries=client.http_retries, **result)
    module.exit_json(changed=any(item["changed"] for item in entries), numbers=entries, diff=diff_of(entries), http_retries=client.http_retries)


if __name__ == "__main__":
    main()
