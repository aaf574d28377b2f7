# -*- coding: utf-8 -*-
# Copyright: vobiz.telephony contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# This module_utils is private to the vobiz.telephony collection: its API may change without notice.

"""The Vobiz XML documents (reference §5) that answer an answered call and a Gather's input.

An answer URL such as `/answer?say=Disk%20full&digits=1` gives, without a document of the user's:

    <Response><Gather action="https://.../input" method="POST" inputType="dtmf" numDigits="1">
      <Speak>Disk full</Speak></Gather></Response>

Every text and attribute is XML-escaped. Standard library only, no Ansible import.
"""

from __future__ import annotations

import re
from xml.etree import ElementTree
from xml.sax.saxutils import escape, quoteattr

DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'
HANG_UP = DECLARATION + "<Response><Hangup/></Response>"
DEFAULT_INPUT_XML = DECLARATION + "<Response><Speak>Thank you.</Speak><Hangup/></Response>"
INPUT_PATH = "/input"  # the listener's path that a built Gather sends its input to
# The answer URL's query parameters that build the document, and what each must be (else it is left out).
SPEAK_ATTRIBUTES = (("voice", re.compile(r"\A(?:WOMAN|MAN|Polly\.[A-Za-z0-9-]{1,64})\Z")),
                    ("language", re.compile(r"\A[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8}){0,2}\Z")),
                    ("loop", re.compile(r"\A[0-9]{1,4}\Z")))
DIGITS = re.compile(r"\A[0-9*#]{1,32}\Z")
QUERY_PARAMETERS = ("say", "voice", "language", "loop", "digits")
NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _text(value: str) -> str:
    """`value` XML-escaped, without the control characters XML 1.0 cannot carry."""
    return escape(NOT_IN_XML.sub("", value))


def xml_error(document: str) -> str | None:
    """Why `document` is not a Vobiz XML document (one well-formed <Response>), or None."""
    try:
        root = ElementTree.fromstring(document.encode("utf-8"))
    except ElementTree.ParseError as exc:
        return "is not well-formed XML (%s)" % exc
    if root.tag != "Response":
        return "must have <Response> as its root element, not <%s>" % root.tag
    return None


def _first(query, name: str) -> str | None:
    values = query.get(name)
    if isinstance(values, list):
        return values[0] if values else None
    return values


def answer_document(query, input_url: str) -> str:
    """The answer to an answered call built from the answer URL's query: `say` spoken with `voice`, `language` and
    `loop`; with `digits` (the keys the person is asked to press, such as 1), inside a Gather of as many digits whose
    action is `input_url`; with neither `say` nor `digits`, a document that hangs up. `query` maps each name to its
    value (or list of values: the first counts)."""
    say = _first(query, "say")
    digits = _first(query, "digits")
    if digits is not None and not DIGITS.match(digits):
        digits = None
    if not say and digits is None:
        return HANG_UP
    speak = ""
    if say:
        attributes = ""
        for name, pattern in SPEAK_ATTRIBUTES:
            value = _first(query, name)
            if value is not None and pattern.match(value):
                attributes += " %s=%s" % (name, quoteattr(value))
        speak = "<Speak%s>%s</Speak>" % (attributes, _text(say))
    if digits is None:
        return DECLARATION + "<Response>%s</Response>" % speak
    gather = '<Gather action=%s method="POST" inputType="dtmf" numDigits="%d">%s</Gather>' % (quoteattr(input_url), len(digits), speak)
    return DECLARATION + "<Response>%s</Response>" % gather
