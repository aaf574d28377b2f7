# -*- coding: utf-8 -*-
# Copyright: vobiz.telephony contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The option checks of _options, shared by the modules and the event source: every refusal names its option."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from ansible_collections.vobiz.telephony.plugins.module_utils import _options
from ansible_collections.vobiz.telephony.plugins.module_utils._options import DEFAULT_API_URL
from ansible_collections.vobiz.telephony.plugins.module_utils.http._client import VobizClient
from ansible_collections.vobiz.telephony.plugins.module_utils._options import (
    api_url_error,
    clear_text_to_remote_host,
    clear_text_warning,
    concurrency_error,
    connection_errors,
    identifier_error,
    identifier_list_errors,
)


def connection_params(**overrides) -> dict:
    params = {"auth_id": "MA_XXXXXXXX", "auth_token": "t", "api_url": DEFAULT_API_URL, "timeout": 30.0, "validate_certs": True,
              "ca_path": None, "retries": 3, "retry_max_wait": 60.0}
    params.update(overrides)
    return params


@pytest.mark.parametrize("value", ["MA_XXXXXXXX", "SA_12345678", "MA2025RK4E639VJFZAGV", "2ded13fe-4f9b-4958-9bfb-093ea2f29f91", "x" * 128, "-", "_"])
def test_identifier_accepts_letters_digits_dash_underscore_up_to_128(value):
    assert identifier_error("call_uuid", value) is None


def test_identifier_none_is_not_checked():
    assert identifier_error("call_uuid", None) is None


def test_empty_identifier_is_refused_by_name():
    assert identifier_error("call_uuid", "") == "call_uuid must not be empty"
    assert identifier_error("auth_id", "") == "auth_id must not be empty"


@pytest.mark.parametrize("value", ["a/b", "a?b", "a#b", "a%2Fb", "a b", "a\n", "\nab", "ab\x00", "é", "a.b", "..", "a+b", "x" * 129])
@pytest.mark.parametrize("option", ["call_uuid", "auth_id"])
def test_identifier_with_other_characters_or_too_long_is_refused_by_name(option, value):
    assert identifier_error(option, value) == "%s %r is not valid: use 1 to 128 letters, digits, '-' or '_'" % (option, value)


def test_very_long_identifier_is_shown_cut():
    message = identifier_error("call_uuid", "y" * 500)
    assert message == "call_uuid %r is not valid: use 1 to 128 letters, digits, '-' or '_'" % ("y" * 140 + "...")


@pytest.mark.parametrize("value", [
    DEFAULT_API_URL, "http://127.0.0.1:8080/api/v1", "https://vobiz.internal", "http://[::1]:9000/v1/", "HTTPS://API.VOBIZ.AI/api/v1",
])
def test_api_url_accepts_absolute_http_and_https(value):
    assert api_url_error(value) is None


@pytest.mark.parametrize("value, expected", [
    ("ftp://api.vobiz.ai/api/v1", "must be an absolute http:// or https:// URL"),
    ("/api/v1", "must be an absolute http:// or https:// URL"),
    ("api.vobiz.ai/api/v1", "must be an absolute http:// or https:// URL"),
    ("https://", "must be an absolute http:// or https:// URL"),
    ("", "must be an absolute http:// or https:// URL"),
    ("https://api.vobiz.ai/api v1", "must not contain spaces, control characters, a query or a fragment"),
    ("https://api.vobiz.ai/api/v1\n", "must not contain spaces, control characters, a query or a fragment"),
    ("https://api.vobiz.ai/api/v1?x=1", "must not contain spaces, control characters, a query or a fragment"),
    ("https://api.vobiz.ai/api/v1#top", "must not contain spaces, control characters, a query or a fragment"),
    ("https://api.vobiz.ai:99999/api/v1", "is not a valid URL"),
    ("http://[::1/api", "is not a valid URL"),
])
def test_api_url_that_is_not_absolute_http_is_refused_by_name(value, expected):
    message = api_url_error(value)
    assert message.startswith("api_url %r " % value)
    assert expected in message


@pytest.mark.parametrize("value", [DEFAULT_API_URL + "?", DEFAULT_API_URL + "#", DEFAULT_API_URL + "/?"])
def test_api_url_with_bare_query_or_fragment_mark_is_refused_or_harmless(value):
    message = api_url_error(value)
    if message is not None:
        assert message.startswith("api_url ")
        return
    parts = urlsplit(VobizClient(value, "MA_X", "t").url_for(("Account", "MA_X", "Call")))
    assert (parts.path.endswith("/Account/MA_X/Call/"), parts.query, parts.fragment) == (True, "", "")


@pytest.mark.parametrize("overrides, expected", [
    ({"timeout": 0.0}, "timeout must be greater than 0 seconds, got 0.0"),
    ({"timeout": -1.0}, "timeout must be greater than 0 seconds, got -1.0"),
    ({"retries": -1}, "retries must be 0 or more, got -1"),
    ({"retry_max_wait": -0.5}, "retry_max_wait must be 0 or more seconds, got -0.5"),
    ({"auth_token": ""}, "auth_token must not be empty"),
    ({"auth_id": "MA/../x"}, "auth_id 'MA/../x' is not valid"),
    ({"api_url": "ftp://x"}, "api_url 'ftp://x' must be an absolute http:// or https:// URL"),
    ({"ca_path": "/nonexistent/ca.pem"}, "ca_path '/nonexistent/ca.pem' is not a readable file"),
])
def test_connection_errors_name_the_option(overrides, expected):
    errors = connection_errors(connection_params(**overrides))
    assert len(errors) == 1
    assert expected in errors[0]


def test_ca_path_that_is_a_directory_is_refused(tmp_path):
    assert connection_errors(connection_params(ca_path=str(tmp_path))) == ["ca_path %r is not a readable file" % str(tmp_path)]


def test_ca_path_that_is_a_file_is_accepted(tmp_path):
    ca = tmp_path / "ca.pem"
    ca.write_text("-----BEGIN CERTIFICATE-----\n", encoding="ascii")
    assert connection_errors(connection_params(ca_path=str(ca))) == []


def test_connection_errors_lists_every_problem():
    errors = connection_errors(connection_params(auth_id="", timeout=0.0, retries=-2))
    assert errors == ["auth_id must not be empty", "timeout must be greater than 0 seconds, got 0.0", "retries must be 0 or more, got -2"]


def test_retries_zero_and_retry_max_wait_zero_are_accepted():
    assert connection_errors(connection_params(retries=0, retry_max_wait=0.0)) == []


@pytest.mark.parametrize("url, expected", [
    ("http://api.vobiz.ai/api/v1", True),
    ("http://10.0.0.5:8080/v1", True),
    ("http://localhost:8080/v1", False),
    ("http://127.0.0.1:8080/v1", False),
    ("http://127.9.9.9/v1", False),
    ("http://[::1]:8080/v1", False),
    ("https://api.vobiz.ai/api/v1", False),
])
def test_clear_text_to_remote_host(url, expected):
    assert clear_text_to_remote_host(url) is expected


def test_identifier_pattern_is_anchored_at_both_ends():
    assert _options.IDENTIFIER_PATTERN.match("abc\n") is None


def test_identifier_list_names_each_bad_item_by_its_index():
    assert identifier_list_errors("call_uuids", ["ok-1", "a/b", "", "ok-2"]) == [
        "call_uuids[1] 'a/b' is not valid: use 1 to 128 letters, digits, '-' or '_'",
        "call_uuids[2] must not be empty",
    ]


def test_identifier_list_of_good_items_or_none_has_no_error():
    assert identifier_list_errors("call_uuids", ["a", "b-2", "c_3"]) == []
    assert identifier_list_errors("call_uuids", []) == []
    assert identifier_list_errors("call_uuids", None) == []


def test_retry_max_wait_is_checked_only_where_a_plugin_has_it():
    params = connection_params()
    del params["retry_max_wait"]
    assert connection_errors(params) == []


@pytest.mark.parametrize("value, expected", [(1, None), (64, None), (0, "concurrency must be between 1 and 64, got 0"),
                                             (65, "concurrency must be between 1 and 64, got 65")])
def test_concurrency_between_1_and_64(value, expected):
    assert concurrency_error(value) == expected


def test_clear_text_warning_names_the_url_without_credentials():
    assert clear_text_warning("http://127.0.0.1:8080/v1") is None
    assert clear_text_warning("http://api.example.com/v1") == (
        "api_url http://api.example.com/v1 is plain http to a host that is not loopback: the auth token travels in clear text")


# --- options carry their checks; tables their groups ----------------------------------------------------------------

CHECKED = _options.options_table(
    _options.Option("name", "str", check=_options.single(identifier_error)),
    _options.Option("names", "list", elements="str", check=_options.each(identifier_error)),
    _options.Option("label", "str", check=_options.length_at_most(3)),
    _options.Option("count", "int", at_least=1),
    _options.Option("first", "str"),
    _options.Option("last", "str"),
    groups=(_options.Group(_options.EXCLUSIVE, ("name", "names"), "give one"), _options.Group(_options.TOGETHER, ("first", "last"))),
)


def test_option_errors_runs_each_check_then_bounds_in_table_order_then_the_groups():
    params = {"name": "a/b", "names": ["ok", ""], "label": "long", "count": 0, "first": "x", "last": None}
    assert _options.option_errors(CHECKED, params) == [
        "name 'a/b' is not valid: use 1 to 128 letters, digits, '-' or '_'",
        "names[1] must not be empty",
        "label must be at most 3 characters, got 4",
        "count must be 1 or more, got 0",
        "name and names are mutually exclusive: give one",
        "first and last go together: first is set, last is not",
    ]


def test_a_null_value_is_not_given_to_a_check_nor_to_a_group():
    assert _options.option_errors(CHECKED, dict.fromkeys(CHECKED)) == []
    assert _options.Group(_options.ONE_OF, ("a", "b"), "give a").error({"a": None, "b": None}) == "one of a and b is required: give a"
    assert _options.Group(_options.ONE_OF, ("a", "b")).error({"a": 1, "b": None}) is None
