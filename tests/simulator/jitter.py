"""Seeded jitter at the tests' hand-overs: a random pause of 0 to J seconds where one thread or process hands work to
another, so that a test which only passes when the hand-overs happen in their usual order fails, and fails again
under the same seed.

    VOBIZ_TEST_JITTER       J, the longest pause in seconds (a float); unset or 0: off, no pause and no draw at all
    VOBIZ_TEST_JITTER_SEED  an integer; unset: one is chosen at random and put in the environment, so that the
                            processes started from here (pytest-xdist's workers) use the same one

The hand-overs: the simulator before it answers an API request, before it sends each try of a callback and before it
logs a try's answer; a test's callback receiver before it replies. Each kind of hand-over draws from a stream of its own
(a `random.Random` behind a lock), seeded from the seed, the kind and where the pause is drawn: the running test's id
(PYTEST_CURRENT_TEST, without its phase) in a pytest process, else the xdist worker's id (PYTEST_XDIST_WORKER), else
"main". So a test meets the same delays in the same order whichever worker runs it and whatever ran before it
(pytest-xdist's worksteal hands tests to workers in no fixed order); which of two concurrent threads takes which draw
is the scheduler's choice. Standard library only.
"""

from __future__ import annotations

import math
import os
import random
import secrets
import threading
from dataclasses import dataclass

VARIABLE = "VOBIZ_TEST_JITTER"
SEED_VARIABLE = "VOBIZ_TEST_JITTER_SEED"
SEED_RANGE = 10**6  # a chosen seed has at most 6 digits: easy to copy from a log


class JitterError(ValueError):
    """A jitter variable whose value is not one: the message names the variable."""


@dataclass(frozen=True)
class Settings:
    maximum: float
    seed: int

    def describe(self) -> str:
        """The line a user reads to know the run was jittered, and how to replay it."""
        return "jitter: up to %s s, seed %d; replay with %s=%s %s=%d" % (
            self.maximum, self.seed, VARIABLE, self.maximum, SEED_VARIABLE, self.seed)


def read_maximum(environ) -> float:
    """J from VOBIZ_TEST_JITTER: 0 when unset or empty; JitterError unless a finite number of seconds, 0 or more."""
    text = (environ.get(VARIABLE) or "").strip()
    if not text:
        return 0.0
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value < 0:
        raise JitterError("%s must be the longest pause in seconds, a number 0 or more (0: off): got %r" % (VARIABLE, text))
    return value


def read_seed(environ) -> int | None:
    """The seed from VOBIZ_TEST_JITTER_SEED; None when unset or empty; JitterError unless an integer."""
    text = (environ.get(SEED_VARIABLE) or "").strip()
    if not text:
        return None
    try:
        return int(text)
    except ValueError:
        raise JitterError("%s must be an integer: got %r" % (SEED_VARIABLE, text)) from None


def settings(environ=None) -> Settings | None:
    """The jitter the environment asks for (os.environ by default), None when off. With no seed given, one is chosen
    and written into `environ`: every later reading, and every process started from here, gets the same."""
    environ = os.environ if environ is None else environ
    maximum = read_maximum(environ)
    seed = read_seed(environ)  # checked even when off: a mistyped seed is a mistake whatever J is
    if maximum == 0:
        return None
    if seed is None:
        seed = secrets.randbelow(SEED_RANGE)
        environ[SEED_VARIABLE] = str(seed)
    return Settings(maximum, seed)


def context(environ=None) -> str:
    """Where a pause is drawn: the running test's id, else the xdist worker's id, else "main"."""
    environ = os.environ if environ is None else environ
    test = environ.get("PYTEST_CURRENT_TEST")
    if test:
        return test.rsplit(" (", 1)[0]  # "path::test[id] (call)": the same stream in setup, call and teardown
    return environ.get("PYTEST_XDIST_WORKER") or "main"


class Jitter:
    """One kind of hand-over's stream of pauses: delay() is the next one, uniform in [0, maximum]. Thread-safe."""

    def __init__(self, maximum: float, seed: int, kind: str, where=context):
        self.maximum = maximum
        self.seed = seed
        self.kind = kind
        self._where = where
        self._lock = threading.Lock()
        self._random = random.Random()
        self._context: str | None = None

    def delay(self) -> float:
        where = self._where()
        with self._lock:
            if where != self._context:
                # a str seed is hashed with SHA-512: the same stream in every process, whatever PYTHONHASHSEED is
                self._random.seed("%d/%s/%s" % (self.seed, self.kind, where))
                self._context = where
            return self._random.uniform(0.0, self.maximum)


_streams: dict = {}
_streams_lock = threading.Lock()


def for_handover(kind: str) -> Jitter | None:
    """This process's stream for one kind of hand-over, from the environment as first read here; None when jitter is
    off (the caller then makes no call at all). JitterError on a bad variable."""
    with _streams_lock:
        if "settings" not in _streams:
            _streams["settings"] = settings()
        configured = _streams["settings"]
        if configured is None:
            return None
        if kind not in _streams:
            _streams[kind] = Jitter(configured.maximum, configured.seed, kind)
        return _streams[kind]
