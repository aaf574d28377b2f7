# -*- coding: utf-8 -*-
# Copyright: vobiz.telephony contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# This module_utils is private to the vobiz.telephony collection: its API may change without notice.

"""The options of the vobiz.telephony plugins: one table (name, type, default, environment variable, bounds) and
their checks, for both sides (the client is made from them by http._client.client_from_options).

The modules' argument specs (through _module), the call_events event source's checks and defaults, and the tests of
both documentations are derived from the Option entries here, so that no default nor bound is written twice.
No Ansible import here: the event source may run where ansible-core is not installed.
"""

from __future__ import annotations

import os
import re
from urllib.parse import urlsplit

from ansible_collections.vobiz.telephony.plugins.module_utils.common._text import redact_url, shown
from ansible_collections.vobiz.telephony.plugins.module_utils.common._urls import clear_text_to_remote_host

DEFAULT_API_URL = "https://api.vobiz.ai/api/v1"

# Letters, digits, '-' and '_' only: such a value can never change the path of the URL it is put in.
IDENTIFIER_PATTERN = re.compile(r"\A[A-Za-z0-9_-]{1,128}\Z")


class Option:
    """One option as every plugin takes it: its Ansible type, default, environment variable and bounds.

    Bounds: `above` (strictly greater), `at_least` and `at_most` (inclusive). Floats are seconds.
    """

    def __init__(self, name: str, type: str, default=None, env: str | None = None, above: float | None = None,
                 at_least: float | None = None, at_most: float | None = None, no_log: bool = False, choices: list | None = None,
                 elements: str | None = None, required: bool = False):
        self.name, self.type, self.default, self.env = name, type, default, env
        self.required = required
        self.above, self.at_least, self.at_most = above, at_least, at_most
        self.no_log, self.choices, self.elements = no_log, choices, elements

    def bound_error(self, value) -> str | None:
        """Why `value` is out of this option's bounds, or None."""
        if value is None:
            return None
        unit = " seconds" if self.type == "float" else ""
        if self.above is not None and not value > self.above:
            return "%s must be greater than %g%s, got %s" % (self.name, self.above, unit, value)
        if self.at_least is not None and self.at_most is not None:
            if not self.at_least <= value <= self.at_most:
                return "%s must be between %g and %g, got %s" % (self.name, self.at_least, self.at_most, value)
        elif self.at_least is not None and not value >= self.at_least:
            return "%s must be %g or more%s, got %s" % (self.name, self.at_least, unit, value)
        return None


def options_table(*options: Option) -> dict:
    """Options by name, in the order given."""
    return {option.name: option for option in options}


# What every plugin takes to reach the API (documented in the vobiz.telephony.connection doc fragment and in each
# event source's DOCUMENTATION). auth_id and auth_token have no default: connection_errors() says when they are missing.
CONNECTION_OPTIONS = options_table(
    Option("auth_id", "str", env="VOBIZ_AUTH_ID"),
    Option("auth_token", "str", env="VOBIZ_AUTH_TOKEN", no_log=True),
    Option("api_url", "str", DEFAULT_API_URL, env="VOBIZ_API_URL"),
    Option("timeout", "float", 30.0, above=0),
    Option("validate_certs", "bool", True),
    Option("ca_path", "path"),
    Option("retries", "int", 3, at_least=0),
    Option("retry_max_wait", "float", 60.0, at_least=0),
)
CREDENTIALS = ("auth_id", "auth_token")
# How many requests a plugin has under way at a time, over one kept-alive connection pool.
CONCURRENCY = Option("concurrency", "int", 8, at_least=1, at_most=64)

# The calls a module acts on or looks at: one, or several (each checked as the one is).
CALL_UUID_OPTIONS = (Option("call_uuid", "str"), Option("call_uuids", "list", elements="str"))


def wait_options(timeout: float, sleep: float) -> tuple:
    """wait_timeout and wait_sleep, with a module's own defaults."""
    return Option("wait_timeout", "float", timeout, at_least=0), Option("wait_sleep", "float", sleep, above=0)


def call_uuid_errors(params: dict, required: bool = False) -> list:
    """Why call_uuid or items of call_uuids cannot be used, each naming the option (and the item); both given, or
    (when `required`) neither. A null value is not given: it gets the message of a missing one."""
    one, several = params["call_uuid"], params["call_uuids"]
    if one is not None and several is not None:
        return ["call_uuid and call_uuids are mutually exclusive: give one call in call_uuid or several in call_uuids"]
    if required and one is None and several is None:
        return ["one of call_uuid and call_uuids is required: give one call in call_uuid or several in call_uuids"]
    error = identifier_error("call_uuid", one)
    return ([error] if error else []) + identifier_list_errors("call_uuids", several)


def bound_errors(options: dict, params: dict) -> list:
    """Every value of `params` out of its option's bounds, each naming the option."""
    errors = [option.bound_error(params.get(name)) for name, option in options.items()]
    return [error for error in errors if error]


def identifier_error(option: str, value) -> str | None:
    """Why `value` cannot be used as `option` (an auth_id or a call uuid), or None."""
    if value is None:
        return None
    if value == "":
        return "%s must not be empty" % option
    if not IDENTIFIER_PATTERN.match(value):
        return "%s %s is not valid: use 1 to 128 letters, digits, '-' or '_'" % (option, shown(value))
    return None


def identifier_list_errors(option: str, values) -> list:
    """Why items of `values` (a list option of call uuids) cannot be used, each naming the option and the item."""
    if values is None:
        return []
    errors = [identifier_error("%s[%d]" % (option, index), value) for index, value in enumerate(values)]
    return [error for error in errors if error]


def api_url_error(value: str) -> str | None:
    """Why `value` cannot be the API's base URL, or None."""
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - parsing the port raises ValueError on a bad one
    except ValueError as exc:
        return "api_url %s is not a valid URL: %s" % (shown(value), exc)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "api_url %s must be an absolute http:// or https:// URL, such as %s" % (shown(value), DEFAULT_API_URL)
    if "@" in parts.netloc:
        return "api_url %s must not contain a user name or password: give the credentials in auth_id and auth_token" % shown(value)
    if re.search(r"[\s\x00-\x1f\x7f?#]", value):
        return "api_url %s must not contain spaces, control characters, a query or a fragment" % shown(value)
    return None


def concurrency_error(value: int) -> str | None:
    return CONCURRENCY.bound_error(value)


def missing_credentials(params: dict) -> list:
    """The errors for auth_id and auth_token given neither as options nor in their environment variables."""
    return ["%s is required: set it, or the %s environment variable" % (name, CONNECTION_OPTIONS[name].env)
            for name in CREDENTIALS if params.get(name) is None]


def connection_errors(params: dict) -> list:
    """Every problem with the connection options, each naming its option."""
    errors = missing_credentials(params)
    if params["auth_id"] is not None:
        errors.append(identifier_error("auth_id", params["auth_id"]))
    errors.append(api_url_error(params["api_url"]))
    if params["auth_token"] is not None and not params["auth_token"]:
        errors.append("auth_token must not be empty")
    if params["ca_path"] and not os.path.isfile(params["ca_path"]):
        errors.append("ca_path %s is not a readable file" % shown(params["ca_path"]))
    errors += bound_errors(CONNECTION_OPTIONS, params)
    return [error for error in errors if error]


def clear_text_warning(api_url: str) -> str | None:
    """The warning owed for plain http to a host that is not loopback, or None."""
    if clear_text_to_remote_host(api_url):
        return "api_url %s is plain http to a host that is not loopback: the auth token travels in clear text" % redact_url(api_url)
    return None
