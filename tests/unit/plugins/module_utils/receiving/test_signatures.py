# -*- coding: utf-8 -*-
# Copyright: vobiz.telephony contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The check of Vobiz's callback signatures against the reference's vector (computed from Vobiz's published formula)
and its mutations, both forms of a default port, the MA- forms, and the memory of nonces."""

from __future__ import annotations

import pytest

from ansible_collections.vobiz.telephony.plugins.module_utils.receiving._signatures import ReplayCache, base_urls, signature, verify

# docs/reference §4: token, base URL and nonce, and the V2 and V3 they give.
TOKEN = "test_auth_token"
URL = "https://example.com/vobiz/answer"
NONCE = "12345678901234567890"
V2 = "gEPZQ2HmngRWdcHbKGv/eaCNsEC9k9MAaOeKkXAco8A="
V3 = "St1DE8offrEz4w52w1SEGgVKCO2x+7TbXXJAFn1udgI="
MAIN_TOKEN = "main_account_token"


def headers(**values) -> dict:
    names = {"v3": "X-Vobiz-Signature-V3", "v3_nonce": "X-Vobiz-Signature-V3-Nonce", "v2": "X-Vobiz-Signature-V2",
             "v2_nonce": "X-Vobiz-Signature-V2-Nonce", "ma_v3": "X-Vobiz-Signature-MA-V3", "ma_v2": "X-Vobiz-Signature-MA-V2"}
    return {names[key]: value for key, value in values.items()}


def test_the_reference_vector():
    assert signature(TOKEN, URL, NONCE, "") == V2
    assert signature(TOKEN, URL, NONCE, ".") == V3


@pytest.mark.parametrize("received, expected", [
    (headers(v3=V3, v3_nonce=NONCE), "v3"),
    (headers(v2=V2, v2_nonce=NONCE), "v2"),
    (headers(v3=V3, v3_nonce=NONCE, v2=V2, v2_nonce=NONCE), "v3"),
    (headers(v3="forged" + V3[6:], v3_nonce=NONCE, v2=V2, v2_nonce=NONCE), "v2"),  # one that verifies is enough
    (headers(v3="x, " + V3, v3_nonce=NONCE), "v3"),  # a comma-separated list, as the Go SDK accepts
])
def test_a_signature_that_verifies_is_named(received, expected):
    verdict = verify(received, [URL + "?say=hello&digits=1"], TOKEN)
    assert (verdict.signature, verdict.problem) == (expected, None)
    assert verdict.nonces == (NONCE,)


@pytest.mark.parametrize("received", [
    headers(v3=V3[:-2] + "A=", v3_nonce=NONCE),  # one character changed
    headers(v3=V2, v3_nonce=NONCE),  # the V2 signature in the V3 header
    headers(v2=V3, v2_nonce=NONCE),
    headers(v3=V3, v3_nonce=NONCE[:-1] + "1"),  # another nonce
    headers(v3=V3),  # no nonce
    headers(v3=V3, v2_nonce=NONCE),  # the other scheme's nonce
    headers(v3="", v3_nonce=NONCE),
    headers(v3=V3.lower(), v3_nonce=NONCE),
    headers(v3=V3 * 100, v3_nonce=NONCE),  # too long to be looked at
])
def test_a_mutated_signature_is_refused(received):
    verdict = verify(received, [URL], TOKEN)
    assert (verdict.signature, verdict.problem) == ("none", "a signature that does not verify")
    assert verdict.signed


@pytest.mark.parametrize("url", [
    "https://example.com/vobiz/answer/",  # a trailing slash is part of the path
    "https://example.com/vobiz/Answer",
    "http://example.com/vobiz/answer",
    "https://example.org/vobiz/answer",
    "https://example.com:8443/vobiz/answer",
    "https://example.com/vobiz",
])
def test_another_url_does_not_verify(url):
    assert verify(headers(v3=V3, v3_nonce=NONCE, v2=V2, v2_nonce=NONCE), [url], TOKEN).problem == "a signature that does not verify"


def test_another_token_does_not_verify():
    assert verify(headers(v3=V3, v3_nonce=NONCE), [URL], "test_auth_token2").signature == "none"
    assert verify(headers(v3=V3, v3_nonce=NONCE), [URL], None).problem == "a signature that does not verify"


def test_a_request_without_signature_is_unsigned():
    verdict = verify(headers(v3_nonce=NONCE), [URL], TOKEN)
    assert (verdict.signature, verdict.problem, verdict.signed) == ("none", None, False)


@pytest.mark.parametrize("url", ["https://example.com:443/vobiz/answer", "https://user:secret@example.com/vobiz/answer",
                                 "https://user:secret@example.com:443/vobiz/answer"])
def test_both_forms_of_a_default_port_and_of_credentials_verify(url):
    assert verify(headers(v3=V3, v3_nonce=NONCE), [url], TOKEN).signature == "v3"
    signed_with_port = signature(TOKEN, "https://example.com:443/vobiz/answer", NONCE, ".")
    assert verify(headers(v3=signed_with_port, v3_nonce=NONCE), [URL], TOKEN).signature == "v3"


def test_base_urls():
    assert base_urls("https://example.com/a/b?x=1#top") == ("https://example.com/a/b", "https://example.com:443/a/b")
    assert base_urls("http://example.com:80/a") == ("http://example.com:80/a", "http://example.com/a")
    assert base_urls("http://127.0.0.1:5000/cb") == ("http://127.0.0.1:5000/cb",)
    assert base_urls("https://[::1]/cb") == ("https://[::1]/cb", "https://[::1]:443/cb")


def test_any_of_several_urls_may_verify():
    assert verify(headers(v3=V3, v3_nonce=NONCE), ["https://other.example.com/vobiz/answer", URL], TOKEN).signature == "v3"


def test_ma_signatures_are_keyed_with_the_main_accounts_token():
    ma_v3 = signature(MAIN_TOKEN, URL, NONCE, ".")
    ma_v2 = signature(MAIN_TOKEN, URL, NONCE, "")
    assert verify(headers(ma_v3=ma_v3, v3_nonce=NONCE), [URL], TOKEN, MAIN_TOKEN).signature == "ma-v3"
    assert verify(headers(ma_v2=ma_v2, v2_nonce=NONCE), [URL], TOKEN, MAIN_TOKEN).signature == "ma-v2"
    # the sub-account's own signature comes first when both verify
    assert verify(headers(v3=V3, ma_v3=ma_v3, v3_nonce=NONCE), [URL], TOKEN, MAIN_TOKEN).signature == "v3"
    # without the main token, or signed with the sub-account's token in the MA header: refused
    assert verify(headers(ma_v3=ma_v3, v3_nonce=NONCE), [URL], TOKEN).problem == "a signature that does not verify"
    assert verify(headers(ma_v3=V3, v3_nonce=NONCE), [URL], TOKEN, MAIN_TOKEN).problem == "a signature that does not verify"
    assert verify(headers(ma_v2=ma_v2, v2_nonce=NONCE), [URL], MAIN_TOKEN).signature == "none"


def test_the_replay_cache_refuses_a_nonce_within_its_window_only():
    cache = ReplayCache(window=300, capacity=10)
    assert cache.seen_or_add(["a"], 0.0) is False
    assert cache.seen_or_add(["a"], 299.0) is True
    assert cache.seen_or_add(["b", "a"], 299.0) is True
    assert cache.seen_or_add(["b"], 299.0) is False
    assert cache.seen_or_add(["a"], 300.5) is False  # forgotten after the window, then remembered again
    assert len(cache) == 2


def test_the_replay_cache_stays_bounded():
    cache = ReplayCache(window=300, capacity=100)
    for index in range(1000):
        assert cache.seen_or_add(["n%d" % index], index / 1000) is False
    assert len(cache) == 100
    assert cache.seen_or_add(["n999"], 1.0) is True
    assert cache.seen_or_add(["n0"], 1.0) is False  # the oldest went first


@pytest.mark.parametrize("received, expected", [
    ("wrong," + V3, "v3"),  # no space after the comma
    (V3 + ",wrong", "v3"),  # a later candidate that fails does not undo one that verified
    ("\ud800," + V3, "v3"),  # a candidate that is not even text is only a candidate that fails
    (V3 + "," + " " * (1024 - len(V3) - 1), "v3"),  # 1024 characters: looked at
    (V3 + "," + " " * (1024 - len(V3)), "none"),  # 1025: not looked at, and refused
], ids=["no-space", "valid-first", "surrogate", "longest", "too-long"])
def test_a_list_of_candidates_verifies_when_one_does(received, expected):
    assert verify(headers(v3=received, v3_nonce=NONCE), [URL], TOKEN).signature == expected


def test_a_signature_without_its_nonce_does_not_stop_the_others_from_verifying():
    verdict = verify(headers(v3=V3, v2=V2, v2_nonce=NONCE), [URL], TOKEN)
    assert (verdict.signature, verdict.problem, verdict.nonces) == ("v2", None, (NONCE,))


def test_every_verdict_carries_the_nonces_of_the_request():
    unsigned = verify(headers(v3_nonce=NONCE, v2_nonce="other"), [URL], TOKEN)
    assert (unsigned.signature, unsigned.problem, unsigned.nonces, unsigned.signed) == ("none", None, (NONCE, "other"), False)
    refused = verify(headers(v3="forged" + V3[6:], v3_nonce=NONCE), [URL], TOKEN)
    assert (refused.signature, refused.problem, refused.nonces, refused.signed) == ("none", "a signature that does not verify", (NONCE,), True)


def test_a_nonce_exactly_one_window_old_is_forgotten():
    cache = ReplayCache(window=10, capacity=5)
    assert cache.seen_or_add([NONCE], now=0) is False
    assert cache.seen_or_add([NONCE], now=9.5) is True
    assert cache.seen_or_add([NONCE], now=10) is False  # accepted at 0, the window is over: taken afresh
    assert len(cache) == 1
