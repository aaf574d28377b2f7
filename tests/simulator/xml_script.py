"""Vobiz XML (reference §5): reading the reply of an answer, fallback, Gather action or Redirect URL into verbs.

A reply is valid when its content type is application/xml or text/xml, it is at most 100 KB, it parses, and its root
is one <Response> whose children are Vobiz verbs. The simulator follows Speak, Play, Wait, Gather, Redirect and
Hangup; the other documented verbs (Dial, Record, Conference, PreAnswer, DTMF, Stream) are valid and skipped.
"""

from __future__ import annotations

from xml.etree import ElementTree
from dataclasses import dataclass, field

MAX_REPLY_BYTES = 100 * 1024
XML_TYPES = ("application/xml", "text/xml")
FOLLOWED = ("Speak", "Play", "Wait", "Gather", "Redirect", "Hangup")
SKIPPED = ("Dial", "Record", "Conference", "PreAnswer", "DTMF", "Stream")
GATHER_CHILDREN = ("Speak", "Play")

SPEAK_SECONDS_PER_CHARACTER = 0.05  # how long <Speak> takes: its text's length times this, times its loop
PLAY_SECONDS = 1.0  # how long one <Play> of a file takes (the simulator fetches no audio)
GATHER_TIMEOUT = 15.0  # executionTimeout's default: seconds after the prompts before a Gather gives up


class InvalidXml(ValueError):
    """A reply the call cannot follow: it ends the call."""


@dataclass
class Verb:
    name: str
    attributes: dict
    text: str = ""
    children: list = field(default_factory=list)  # a Gather's prompts (Speak, Play)

    def seconds(self) -> float | None:
        """How long this verb takes when followed; None for one that loops forever (loop="0")."""
        loop = _integer(self.attributes.get("loop", "1"), "loop")
        if self.name == "Wait":
            return float(_integer(self.attributes.get("length", "1"), "length"))
        if self.name == "Gather":
            prompts = [child.seconds() for child in self.children]
            return None if None in prompts else sum(prompts)
        if self.name not in ("Speak", "Play"):
            return 0.0
        if loop == 0:
            return None
        once = len(self.text.strip()) * SPEAK_SECONDS_PER_CHARACTER if self.name == "Speak" else PLAY_SECONDS
        return once * loop

    def attribute(self, name: str, default: str = "") -> str:
        return self.attributes.get(name, default)


def _integer(value: str, name: str) -> int:
    try:
        number = int(value)
    except ValueError as error:
        raise InvalidXml(f"{name} must be an integer, got {value!r}") from error
    if number < 0:
        raise InvalidXml(f"{name} must not be negative, got {value!r}")
    return number


def _verb(element, allowed: tuple) -> Verb:
    if element.tag not in allowed:
        raise InvalidXml(f"<{element.tag}> is not allowed here")
    children = [_verb(child, GATHER_CHILDREN) for child in element] if element.tag == "Gather" else []
    if element.tag != "Gather" and len(element):
        raise InvalidXml(f"<{element.tag}> takes no child elements")
    verb = Verb(element.tag, dict(element.attrib), (element.text or "").strip(), children)
    verb.seconds()  # loop and length must be numbers
    if verb.name == "Gather" and not verb.attribute("action"):
        raise InvalidXml("<Gather> needs an action")
    if verb.name == "Redirect" and not verb.text:
        raise InvalidXml("<Redirect> needs a URL")
    return verb


def parse_reply(content_type: str | None, body: bytes) -> list[Verb]:
    """The verbs of a valid reply, in order; InvalidXml saying why a reply is not one."""
    media_type = (content_type or "").split(";")[0].strip().lower()
    if media_type not in XML_TYPES:
        raise InvalidXml(f"content type {content_type!r} is not application/xml or text/xml")
    if len(body) > MAX_REPLY_BYTES:
        raise InvalidXml(f"the reply has {len(body)} bytes, more than {MAX_REPLY_BYTES}")
    try:
        root = ElementTree.fromstring(body)
    except ElementTree.ParseError as error:
        raise InvalidXml(f"the reply is not XML: {error}") from error
    if root.tag != "Response":
        raise InvalidXml(f"the root element is <{root.tag}>, not <Response>")
    if root.attrib:
        raise InvalidXml("<Response> takes no attributes")
    return [_verb(child, FOLLOWED + SKIPPED) for child in root]
