# -*- coding: utf-8 -*-
# Copyright: vobiz.telephony contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Both documentations of the connection options, derived from their one table (_options): the modules' doc fragment
and the call_events event source's DOCUMENTATION say the same names, types, defaults and environment variables."""

from __future__ import annotations

import pytest
import yaml

from ansible_collections.vobiz.telephony.extensions.eda.plugins.event_source import call_events
from ansible_collections.vobiz.telephony.plugins.doc_fragments.connection import ModuleDocFragment
from ansible_collections.vobiz.telephony.plugins.module_utils._module import argument_spec
from ansible_collections.vobiz.telephony.plugins.module_utils._options import CONCURRENCY, CONNECTION_OPTIONS
from ansible_collections.vobiz.telephony.plugins.modules import application, application_info, live_call, live_call_info, number, number_info

DOCUMENTATIONS = {
    "doc fragment vobiz.telephony.connection": yaml.safe_load(ModuleDocFragment.DOCUMENTATION)["options"],
    "event source call_events": yaml.safe_load(call_events.DOCUMENTATION)["options"],
}


def as_documented(option) -> dict:
    """What a documentation says of an option of the table."""
    documented = {"type": option.type}
    if option.default is not None:
        documented["default"] = option.default
    if option.choices:
        documented["choices"] = list(option.choices)
    if option.elements:
        documented["elements"] = option.elements
    return documented


@pytest.mark.parametrize("where", sorted(DOCUMENTATIONS))
@pytest.mark.parametrize("name", sorted(CONNECTION_OPTIONS))
def test_each_connection_option_is_documented_as_the_table_says(where, name):
    option = CONNECTION_OPTIONS[name]
    documented = DOCUMENTATIONS[where][name]
    assert {key: documented[key] for key in ("type", "default", "choices", "elements") if key in documented} == as_documented(option)
    assert not documented.get("required", False)  # auth_id and auth_token may come from the environment
    description = " ".join(documented["description"])
    named = {word.split(")")[0] for word in description.split("E(VOBIZ_")[1:]}
    assert named == ({option.env[len("VOBIZ_"):]} if option.env else set())


@pytest.mark.parametrize("where", sorted(DOCUMENTATIONS))
def test_no_documentation_writes_the_retry_wait_in_seconds(where):
    """The longest wait is O(retry_max_wait), whatever its value: no "60 s" written in its place."""
    text = yaml.safe_dump(DOCUMENTATIONS[where])
    assert "60 s" not in text
    assert "Retry-After" not in text or "O(retry_max_wait)" in text


@pytest.mark.parametrize("documentation, options", [
    (yaml.safe_load(live_call.DOCUMENTATION)["options"], live_call.OPTIONS),
    (yaml.safe_load(live_call_info.DOCUMENTATION)["options"], live_call_info.OPTIONS),
    (yaml.safe_load(call_events.DOCUMENTATION)["options"], call_events.OPTIONS),
    (yaml.safe_load(application.DOCUMENTATION)["options"], application.OPTIONS),
    (yaml.safe_load(application_info.DOCUMENTATION)["options"], application_info.OPTIONS),
    (yaml.safe_load(number.DOCUMENTATION)["options"], number.OPTIONS),
    (yaml.safe_load(number_info.DOCUMENTATION)["options"], number_info.OPTIONS),
])
def test_every_plugin_documents_its_own_options_and_the_shared_concurrency_as_its_table_says(documentation, options):
    own = {name: option for name, option in options.items() if name not in CONNECTION_OPTIONS}
    assert set(own) <= set(documentation)
    for name, option in own.items():
        assert {key: documentation[name][key] for key in ("type", "default", "choices", "elements") if key in documentation[name]} \
            == as_documented(option), name
    assert options["concurrency"] is CONCURRENCY


def test_the_argument_spec_is_derived_from_the_table():
    spec = argument_spec(CONNECTION_OPTIONS)
    assert list(spec) == list(CONNECTION_OPTIONS)
    for name, option in CONNECTION_OPTIONS.items():
        assert spec[name]["type"] == option.type
        assert spec[name].get("default") == option.default
        assert spec[name].get("fallback", (None, [None]))[1] == [option.env]
