# -*- coding: utf-8 -*-
# Copyright: vobiz.telephony contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# This module_utils is private to the vobiz.telephony collection: its API may change without notice.

"""The arguments of an event source, read from a rulebook against the source's option table (_options.Option).

ansible-rulebook passes a source's arguments as the rulebook wrote them, templated values as strings: each is
converted to its option's type, taken from its environment variable when not given, and checked; every wrong one is
named in one ArgumentError. No Ansible import: event sources run where ansible-core may be absent.
"""

from __future__ import annotations

import math
import os

_TRUE = ("true", "yes", "on", "1")
_FALSE = ("false", "no", "off", "0")


class ArgumentError(ValueError):
    """An event source's arguments are wrong; the message names each wrong one."""


def source_arguments(source_name: str, options: dict, args: dict, environ, checks) -> dict:
    """The arguments with their defaults and environment fallbacks. `checks(values)` returns the source's own errors
    (None for none) on the converted values; ArgumentError names every wrong argument, after `source_name: `."""
    errors = []
    # ansible-rulebook adds arguments of its own (eda_feedback_queue ...): only other unknown names are typos.
    unknown = sorted(name for name in args if name not in options and not name.startswith("eda_"))
    if unknown:
        errors.append("unknown argument%s %s; the arguments are %s" % ("s" if len(unknown) > 1 else "", ", ".join(unknown), ", ".join(sorted(options))))
    values = {}
    for name, option in options.items():
        value = args.get(name)
        if value is None and option.env:
            value = environ.get(option.env)
        try:
            values[name] = option.default if value is None else _CONVERTERS[option.type](option, value)
        except ArgumentError as exc:
            errors.append(str(exc))
            values[name] = "x" if option.type == "str" else option.default
    errors += checks(values)
    errors = [error for error in errors if error]
    if errors:
        raise ArgumentError("%s: %s" % (source_name, "; ".join(errors)))
    return values


def _string(option, value) -> str:
    """A string; with choices, one of them."""
    if not isinstance(value, str):
        raise ArgumentError("%s must be a string, got a %s" % (option.name, type(value).__name__))
    if option.choices and value not in option.choices:
        raise ArgumentError("%s must be one of %s, got %r" % (option.name, ", ".join(option.choices), value))
    return value


def _number(option, value) -> float:
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            pass
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ArgumentError("%s must be a number of seconds, got %r" % (option.name, value))
    return float(value)


def _integer(option, value) -> int:
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ArgumentError("%s must be a whole number, got %r" % (option.name, value))
    return value


def _boolean(option, value) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in _TRUE + _FALSE:
        return value.strip().lower() in _TRUE
    raise ArgumentError("%s must be true or false, got %r" % (option.name, value))


def _path(option, value) -> str:
    if not isinstance(value, str) or not value:
        raise ArgumentError("%s must be the path of a file, got %r" % (option.name, value))
    return os.path.expanduser(value)


def _list(option, value) -> list:
    """One string or a list of them; with choices, one or more of them, each once."""
    values = [value] if isinstance(value, str) else value
    if option.choices:
        if not isinstance(values, list) or not values or any(item not in option.choices for item in values):
            raise ArgumentError("%s must be a list of one or both of %s, got %r" % (option.name, ", ".join(option.choices), value))
    elif not isinstance(values, list) or not values or not all(isinstance(item, str) and item for item in values):
        raise ArgumentError("%s must be a string or a list of strings, got %r" % (option.name, value))
    return list(dict.fromkeys(values))


# How an argument of each type is read from a rulebook (where templated values arrive as strings).
_CONVERTERS = {"str": _string, "float": _number, "int": _integer, "bool": _boolean, "path": _path, "list": _list}
