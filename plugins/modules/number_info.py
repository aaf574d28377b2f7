#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: vobiz.telephony contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: number_info
short_description: Read the Vobiz phone numbers the account owns, or search those on sale
version_added: 0.2.0
description:
  - Returns the phone numbers the account owns (every page), filtered by O(number), O(application) and O(country) when
    given (every filter given must hold).
  - With O(inventory=true), it searches the numbers available to buy instead, by O(country) and O(search), at most
    O(limit). It buys nothing.
  - Read-only; the same in check mode.
author:
  - Vobiz telephony maintainers (@vobiz)
options:
  number:
    description:
      - Return only this owned number, in E.164 (digits, with or without a leading V(+)).
    type: str
  application:
    description:
      - Return only the owned numbers routed to this application, given by its C(app_id) or by its name (Vobiz's
        C(app_name); every application of that name counts). Letters, digits, V(-) and V(_) only.
    type: str
  country:
    description:
      - Return only the numbers of this country, an ISO 3166 code of two letters (V(IN), V(US)); case does not matter.
    type: str
  inventory:
    description:
      - Search the numbers on sale instead of the owned ones. Only O(country), O(search) and O(limit) apply.
    type: bool
    default: false
  search:
    description:
      - With O(inventory=true), return only the numbers whose E.164 holds this text (Vobiz's C(search)).
    type: str
  limit:
    description:
      - With O(inventory=true), the most numbers returned (1 to 1000).
    type: int
    default: 100
  concurrency:
    description:
      - How many pages of applications are read at a time to find O(application) by name (1 to 64).
    type: int
    default: 8
extends_documentation_fragment:
  - vobiz.telephony.connection
  - vobiz.telephony.attributes.info_module
notes:
  - "The owned numbers are read with C(GET /Account/{auth_id}/numbers). The sources disagree on its paging (C(page) and
    C(per_page) answered with C(items) and C(total); C(limit) and C(offset); an answer of C(objects) and C(meta)), so
    each page is asked for under both forms at once (C(page), C(per_page=100), C(limit=100), C(offset)) and either answer
    is read; the pages end at an empty or short page, or at the total. The filters are applied to the list read, as the
    list has no filter by application (its C(search) is not used)."
  - "The inventory is read with C(GET /Account/{auth_id}/inventory/numbers) (C(country), C(search), C(page),
    C(per_page=100)), a page after another until O(limit), a short page or the total."
  - "A master account's list holds its sub-accounts' numbers too (C(account_id) names the owner)."
seealso:
  - module: vobiz.telephony.number
"""

EXAMPLES = r"""
- name: Read every number the account owns
  vobiz.telephony.number_info:
  register: owned

- name: Show them
  ansible.builtin.debug:
    msg: "{{ owned.numbers | map(attribute='e164') | list }}"

- name: The Indian numbers routed to the IVR
  vobiz.telephony.number_info:
    application: support-ivr
    country: IN
  register: ivr_numbers

- name: Search US numbers on sale holding 555
  vobiz.telephony.number_info:
    inventory: true
    country: US
    search: "555"
    limit: 20
  register: on_sale
"""

RETURN = r"""
numbers:
  description:
    - The numbers, as Vobiz listed them, in the list's order.
  returned: always
  type: list
  elements: dict
  sample:
    - e164: "+919876543210"
      account_id: MA_XXXXXXXX
      country: IN
      region: Karnataka
      status: active
      application_id: "12345678901234567"
      capabilities: {voice: true, sms: false, mms: false, fax: false}
      monthly_fee: 300
      currency: INR
count:
  description: How many numbers were returned.
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
from ansible_collections.vobiz.telephony.plugins.module_utils.api._numbers import NumberApi
from ansible_collections.vobiz.telephony.plugins.module_utils.config._numbers import matching
from ansible_collections.vobiz.telephony.plugins.module_utils.http._errors import VobizError
from ansible_collections.vobiz.telephony.plugins.module_utils._module import client_from_module, fail_from_error, module_argument_spec, module_for
from ansible_collections.vobiz.telephony.plugins.module_utils._options import (
    CONCURRENCY,
    Option,
    app_name_error,
    country_error,
    e164,
    e164_error,
    non_empty_error,
    options_table,
    single,
)

MAX_LIMIT = 1000
OPTIONS = options_table(
    Option("number", "str", check=single(e164_error)),
    Option("application", "str", check=single(app_name_error)),
    Option("country", "str", check=single(country_error)),
    Option("inventory", "bool", False),
    Option("search", "str", check=single(non_empty_error)),
    Option("limit", "int", 100, at_least=1, at_most=MAX_LIMIT),
    CONCURRENCY,
)


def argument_spec() -> dict:
    return module_argument_spec(OPTIONS)


def rules(params: dict) -> list:
    """The module's rules across options: the owned numbers' filters and the inventory's search go apart."""
    if params["inventory"]:
        return ["%s does not go with inventory=true" % option for option in ("number", "application") if params[option] is not None]
    return ["search goes only with inventory=true"] if params["search"] is not None else []


def read(client, params: dict) -> list:
    numbers = NumberApi(client)
    if params["inventory"]:
        return numbers.search_inventory(params["country"], params["search"], params["limit"])
    owned = numbers.list_all()
    applications = ApplicationApi(client).list_all(params["concurrency"]) if params["application"] is not None else []
    return matching(owned, e164(params["number"]) if params["number"] is not None else None, params["application"], applications, params["country"])


def main():
    module = module_for(OPTIONS)
    client = client_from_module(module, OPTIONS, rules(module.params))
    try:
        with client:
            numbers = read(client, module.params)
    except VobizError as error:
        fail_from_error(module, client, error, numbers=[], count=0)
    module.exit_json(changed=False, numbers=numbers, count=len(numbers), http_retries=client.http_retries)


if __name__ == "__main__":
    main()
