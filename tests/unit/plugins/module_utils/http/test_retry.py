# -*- coding: utf-8 -*-
# Copyright: vobiz.telephony contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""http/_retry on its own: an answer that could not be used, whether it may have acted, a Retry-After that is no number."""

from __future__ import annotations

import pytest

from ansible_collections.vobiz.telephony.plugins.module_utils.http._errors import VobizResponseError
from ansible_collections.vobiz.telephony.plugins.module_utils.http._retry import is_transient, may_have_taken_effect, parse_retry_after


def test_an_answer_that_could_not_be_used_is_not_transient():
    assert is_transient(VobizResponseError("not JSON", status_code=200)) is False


@pytest.mark.parametrize("status_code, may_have", [(None, True), (200, True), (299, True), (300, False), (301, False), (413, False), (199, False)])
def test_an_unusable_answer_may_have_acted_when_it_was_a_2xx_or_came_with_no_status(status_code, may_have):
    assert may_have_taken_effect(VobizResponseError("unusable", status_code=status_code)) is may_have


@pytest.mark.parametrize("value", ["inf", "-inf", "nan", "Infinity"])
def test_a_retry_after_that_is_no_finite_number_is_not_read(value):
    assert parse_retry_after(value) is None
