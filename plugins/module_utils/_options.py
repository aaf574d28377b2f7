# -*- coding: utf-8 -*-
# Copyright: vobiz.telephony contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# This module_utils is private to the vobiz.telephony collection: its API may change without notice.

"""The options of the vobiz.telephony plugins: one table (name, type, default, environment variable, bounds, the
check of a value) with its groups (exclusive, one of them required, together), and the one validation that modules
and event sources both run on them (option_errors), with the same messages. A new plugin declares its options and
writes no check by hand; a new check goes here. For both sides (the client is made from the connection options by
http._client.client_from_options).

The modules' argument specs (through _module), the call_events event source's checks and defaults, and the tests of
both documentations are derived from the Option entries here, so that no default nor bound is written twice.
No Ansible import here: the event source may run where ansible-core is not installed.
"""

from __future__ import annotations

import os
import re
from typing import Callable

from ansible_collections.vobiz.telephony.plugins.module_utils.common._text import redact_url, shown
from ansible_collections.vobiz.telephony.plugins.module_utils.common._urls import SPACE_OR_CONTROL, clear_text_to_remote_host, http_url_parts

DEFAULT_API_URL = "https://api.vobiz.ai/api/v1"

# Letters, digits, '-' and '_' only: such a value can never change the path of the URL it is put in.
IDENTIFIER_PATTERN = re.compile(r"\A[A-Za-z0-9_-]{1,128}\Z")


# The check of an option's value: (the option's name, a value that is not None) -> why it cannot be used, each message
# naming the option (an empty list: it can). identifier_check, each() and the others below build them.
Check = Callable[[str, object], list]


class Option:
    """One option as every plugin takes it: its Ansible type, default, environment variable, bounds and check.

    Bounds: `above` (strictly greater), `at_least` and `at_most` (inclusive). Floats are seconds. `check`: the Check of a
    given value. Choices are Ansible's to check for a module, _arguments' for an event source.
    """

    def __init__(self, name: str, type: str, default=None, env: str | None = None, above: float | None = None,
                 at_least: float | None = None, at_most: float | None = None, no_log: bool = False, choices: list | None = None,
                 elements: str | None = None, required: bool = False, check: Check | None = None, suboptions: OptionTable | None = None):
        self.name, self.type, self.default, self.env = name, type, default, env
        self.suboptions = suboptions  # a dict option's own table: each checked under "name.sub"
        self.required = required
        self.above, self.at_least, self.at_most = above, at_least, at_most
        self.no_log, self.choices, self.elements = no_log, choices, elements
        self.check = check

    def bound_error(self, value, shown_name: str | None = None) -> str | None:
        """Why `value` is out of this option's bounds, or None; `shown_name` is how messages name it (its name)."""
        if value is None:
            return None
        name = shown_name or self.name
        unit = " seconds" if self.type == "float" else ""
        if self.above is not None and not value > self.above:
            return "%s must be greater than %g%s, got %s" % (name, self.above, unit, value)
        if self.at_least is not None and self.at_most is not None:
            if not self.at_least <= value <= self.at_most:
                return "%s must be between %g and %g, got %s" % (name, self.at_least, self.at_most, value)
        elif self.at_least is not None and not value >= self.at_least:
            return "%s must be %g or more%s, got %s" % (name, self.at_least, unit, value)
        return None

    def errors(self, value, shown_name: str | None = None) -> list:
        """Why `value` cannot be this option's: its suboptions' messages (each named "option.sub"), its check's, then its
        bounds'. None is not given: no error."""
        if value is None:
            return []
        name = shown_name or self.name
        errors = []
        if self.suboptions is not None and isinstance(value, dict):
            for sub_name, sub in self.suboptions.items():
                errors += sub.errors(value.get(sub_name), "%s.%s" % (name, sub_name))
        errors += list(self.check(name, value)) if self.check else []
        bound = self.bound_error(value, name)
        return errors + ([bound] if bound else [])


EXCLUSIVE, ONE_OF, TOGETHER = "exclusive", "one of", "together"


class Group:
    """Options of one table that go by rule together: EXCLUSIVE (at most one given), ONE_OF (at least one given) or
    TOGETHER (all or none given). A null value is not given. `hint` ends the message: what to do instead."""

    def __init__(self, kind: str, names: tuple, hint: str | None = None):
        self.kind, self.names, self.hint = kind, tuple(names), hint

    def error(self, params: dict) -> str | None:
        given = [name for name in self.names if params.get(name) is not None]
        names = " and ".join(self.names)
        if self.kind == EXCLUSIVE and len(given) > 1:
            message = "%s are mutually exclusive" % names
        elif self.kind == ONE_OF and not given:
            message = "one of %s is required" % names
        elif self.kind == TOGETHER and 0 < len(given) < len(self.names):
            missing = [name for name in self.names if name not in given]
            message = "%s go together: %s %s set, %s %s not" % (
                names, " and ".join(given), "is" if len(given) == 1 else "are", " and ".join(missing), "is" if len(missing) == 1 else "are")
        else:
            return None
        return "%s: %s" % (message, self.hint) if self.hint else message


class OptionTable(dict):
    """Options by name, in the order given, and the groups they form."""

    def __init__(self, options, groups=()):
        super().__init__((option.name, option) for option in options)
        self.groups = tuple(groups)


def options_table(*options: Option, groups=()) -> OptionTable:
    """Options by name, in the order given; `groups`: the Groups they form."""
    return OptionTable(options, groups)


def option_errors(options: dict, params: dict) -> list:
    """Every problem with the values of these options, each naming its option: each option's check and bounds in the
    table's order, then the table's groups. The one validation of modules and event sources alike."""
    errors = []
    for name, option in options.items():
        errors += option.errors(params.get(name))
    errors += [group.error(params) for group in getattr(options, "groups", ())]
    return [error for error in errors if error]


# --- checks -----------------------------------------------------------------------------------------------------------


def single(error: Callable[[str, object], str | None]) -> Check:
    """The Check of a function giving one message or None, such as identifier_error."""
    return lambda name, value: [message for message in [error(name, value)] if message]


def each(error: Callable[[str, object], str | None]) -> Check:
    """The Check of a list whose every item is checked by `error`, each message naming the item (call_uuids[2])."""
    return lambda name, values: [message for message in (error("%s[%d]" % (name, index), value) for index, value in enumerate(values)) if message]


def length_at_most(limit: int) -> Check:
    """The Check of a string of at most `limit` characters."""
    return lambda name, value: ["%s must be at most %d characters, got %d" % (name, limit, len(value))] if len(value) > limit else []


def non_empty_error(option: str, value) -> str | None:
    return "%s must not be empty" % option if value == "" else None


def directory_error(option: str, value) -> str | None:
    """Why `value` is not a directory that exists."""
    return None if os.path.isdir(value) else "%s %s is not a directory" % (option, value)


def readable_file_error(option: str, value) -> str | None:
    """Why `value` is not a readable file; an empty path is not given."""
    return "%s %s is not a readable file" % (option, shown(value)) if value and not os.path.isfile(value) else None


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


def url_error(option: str, value: str | None) -> str | None:
    """Why `value` is not an absolute http(s) URL, or None: the check of every callback URL option (call's answer_url ...,
    application's answer_url ...)."""
    if value is None:
        return None
    try:
        parts = http_url_parts(value, read_port=False)  # a port is Vobiz's to read
    except ValueError:
        parts = None
    if parts is None or SPACE_OR_CONTROL.search(value):
        return "%s %s must be an absolute http:// or https:// URL" % (option, shown(value))
    return None


# A phone number: E.164 digits (at most 15, the first not 0), with or without a leading '+'.
E164 = re.compile(r"\A\+?[1-9][0-9]{5,14}\Z")


def e164_error(option: str, value: str) -> str | None:
    """Why `value` is not an E.164 number (call's `from`, number's `number`), or None."""
    return None if E164.match(value) else "%s %s is not an E.164 number (digits, with or without a leading '+')" % (option, shown(value))


def e164(value: str) -> str:
    """An E.164 number that e164_error accepts, with its leading '+'."""
    return value if value.startswith("+") else "+" + value


COUNTRY_PATTERN = re.compile(r"\A[A-Za-z]{2}\Z")


def country_error(option: str, value) -> str | None:
    """Why `value` is not an ISO 3166 country code of two letters, or None."""
    return None if COUNTRY_PATTERN.match(value) else "%s %s is not a country code of two letters (IN, US ...)" % (option, shown(value))


APP_NAME_PATTERN = re.compile(r"\A[A-Za-z0-9_-]+\Z")


def app_name_error(option: str, value) -> str | None:
    """Why `value` cannot be an application's name (Vobiz's app_name: letters, digits, '-' and '_'), or None."""
    if value == "":
        return "%s must not be empty" % option
    if not APP_NAME_PATTERN.match(value):
        return "%s %s is not valid: Vobiz takes letters, digits, '-' and '_' only" % (option, shown(value))
    return None


def api_url_error(value: str) -> str | None:
    """Why `value` cannot be the API's base URL, or None."""
    try:
        parts = http_url_parts(value)
    except ValueError as exc:
        return "api_url %s is not a valid URL: %s" % (shown(value), exc)
    if parts is None:
        return "api_url %s must be an absolute http:// or https:// URL, such as %s" % (shown(value), DEFAULT_API_URL)
    if "@" in parts.netloc:
        return "api_url %s must not contain a user name or password: give the credentials in auth_id and auth_token" % shown(value)
    if SPACE_OR_CONTROL.search(value) or "?" in value or "#" in value:
        return "api_url %s must not contain spaces, control characters, a query or a fragment" % shown(value)
    return None


# What every plugin takes to reach the API (documented in the vobiz.telephony.connection doc fragment and in each
# event source's DOCUMENTATION). auth_id and auth_token have no default: connection_errors() says when they are missing.
CONNECTION_OPTIONS = options_table(
    Option("auth_id", "str", env="VOBIZ_AUTH_ID", check=single(identifier_error)),
    Option("auth_token", "str", env="VOBIZ_AUTH_TOKEN", no_log=True, check=single(non_empty_error)),
    Option("api_url", "str", DEFAULT_API_URL, env="VOBIZ_API_URL", check=single(lambda _name, value: api_url_error(value))),
    Option("timeout", "float", 30.0, above=0),
    Option("validate_certs", "bool", True),
    Option("ca_path", "path", check=single(readable_file_error)),
    Option("retries", "int", 3, at_least=0),
    Option("retry_max_wait", "float", 60.0, at_least=0),
)
CREDENTIALS = ("auth_id", "auth_token")
# How many requests a plugin has under way at a time, over one kept-alive connection pool.
CONCURRENCY = Option("concurrency", "int", 8, at_least=1, at_most=64)

# The calls a module acts on or looks at: one, or several (each checked as the one is), never both; a table of them
# takes CALL_UUID_EXCLUSIVE, and CALL_UUID_REQUIRED when it needs a call.
CALL_UUID_OPTIONS = (Option("call_uuid", "str", check=single(identifier_error)),
                     Option("call_uuids", "list", elements="str", check=each(identifier_error)))
_ONE_OR_SEVERAL = "give one call in call_uuid or several in call_uuids"
CALL_UUID_EXCLUSIVE = Group(EXCLUSIVE, ("call_uuid", "call_uuids"), _ONE_OR_SEVERAL)
CALL_UUID_REQUIRED = Group(ONE_OF, ("call_uuid", "call_uuids"), _ONE_OR_SEVERAL)


def wait_options(timeout: float, sleep: float) -> tuple:
    """wait_timeout and wait_sleep, with a module's own defaults."""
    return Option("wait_timeout", "float", timeout, at_least=0), Option("wait_sleep", "float", sleep, above=0)


def call_uuid_errors(params: dict, required: bool = False) -> list:
    """Why call_uuid or items of call_uuids cannot be used, each naming the option (and the item); both given, or
    (when `required`) neither. A null value is not given: it gets the message of a missing one. The checks of a table
    holding CALL_UUID_OPTIONS and its groups."""
    groups = (CALL_UUID_EXCLUSIVE, CALL_UUID_REQUIRED) if required else (CALL_UUID_EXCLUSIVE,)
    return option_errors(options_table(*CALL_UUID_OPTIONS, groups=groups), params)


def bound_errors(options: dict, params: dict) -> list:
    """Every value of `params` out of its option's bounds, each naming the option."""
    errors = [option.bound_error(params.get(name)) for name, option in options.items()]
    return [error for error in errors if error]


def concurrency_error(value: int) -> str | None:
    return CONCURRENCY.bound_error(value)


def missing_credentials(params: dict) -> list:
    """The errors for auth_id and auth_token given neither as options nor in their environment variables."""
    return ["%s is required: set it, or the %s environment variable" % (name, CONNECTION_OPTIONS[name].env)
            for name in CREDENTIALS if params.get(name) is None]


def connection_errors(params: dict) -> list:
    """Every problem with the connection options, each naming its option."""
    return missing_credentials(params) + option_errors(CONNECTION_OPTIONS, params)


def clear_text_warning(api_url: str) -> str | None:
    """The warning owed for plain http to a host that is not loopback, or None."""
    if clear_text_to_remote_host(api_url):
        return "api_url %s is plain http to a host that is not loopback: the auth token travels in clear text" % redact_url(api_url)
    return None
