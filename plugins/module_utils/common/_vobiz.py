# -*- coding: utf-8 -*-
# Copyright: vobiz.telephony contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# This module_utils is private to the vobiz.telephony collection: its API may change without notice.

"""Facts of Vobiz's voice API that both sides share (the one that sends requests and the one that receives callbacks).
Values only."""

from __future__ import annotations

# The methods Vobiz may use to request a callback URL (answer_url, ring_url ...), and the one it uses unless told.
CALLBACK_METHODS = ("GET", "POST")
DEFAULT_CALLBACK_METHOD = "POST"
