# -*- coding: utf-8 -*-
# Copyright: vobiz.telephony contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# This module_utils is private to the vobiz.telephony collection: its API may change without notice.

"""Doing one thing for many items, a few at a time, results in the items' order."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Callable, Iterable, TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")


def map_concurrently(function: Callable[[Item], Result], items: list, concurrency: int) -> list:
    """function(item) for every item, results in the items' order, at most `concurrency` at a time.
    The first error is raised, and what has not started yet is not started."""
    workers = max(1, min(concurrency, len(items)))
    if workers == 1:
        return [function(item) for item in items]
    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = [pool.submit(function, item) for item in items]
        try:
            return [future.result() for future in futures]
        except BaseException:
            for future in futures:  # fail fast: do not send what is still queued
                future.cancel()
            raise


def unique_in_order(values: Iterable) -> list:
    """The values without repeats, each where it first appeared."""
    return list(dict.fromkeys(values))
