# -*- coding: utf-8 -*-
# Copyright: vobiz.telephony contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    """Options every vobiz.telephony module takes to reach the Vobiz API."""

    DOCUMENTATION = r"""
options:
  auth_id:
    description:
      - The Vobiz account's Auth ID, such as V(MA_XXXXXXXX) or V(SA_XXXXXXXX).
      - Letters, digits, V(-) and V(_) only, 1 to 128 characters.
      - If not set, the value of the E(VOBIZ_AUTH_ID) environment variable is used. One of the two is required.
    type: str
  auth_token:
    description:
      - The Vobiz account's Auth Token. It is never logged nor returned.
      - If not set, the value of the E(VOBIZ_AUTH_TOKEN) environment variable is used. One of the two is required.
      - Prefer the environment variable, Ansible Vault or C(module_defaults) to a token written on an
        ad hoc command line, which Ansible itself echoes when a task fails.
    type: str
  api_url:
    description:
      - Base URL of the Vobiz API, an absolute V(http://) or V(https://) URL.
      - If not set, the value of the E(VOBIZ_API_URL) environment variable is used,
        and if that is not set either, V(https://api.vobiz.ai/api/v1).
      - A plain V(http://) URL to a host other than loopback draws a warning, as the token would travel in clear text.
      - It must not hold a user name or password, nor a query or a fragment.
    type: str
    default: https://api.vobiz.ai/api/v1
  timeout:
    description:
      - Seconds one HTTP attempt may take, from connecting to the last byte of the answer.
    type: float
    default: 30
  validate_certs:
    description:
      - Whether to verify the API's TLS certificate. Set to V(false) only for a test server you trust.
    type: bool
    default: true
  ca_path:
    description:
      - A PEM file of CA certificates to verify the API's certificate with, for a private CA or a TLS-inspecting proxy.
      - Without it, the system's CA bundle is used (or E(REQUESTS_CA_BUNDLE) when set).
    type: path
  retries:
    description:
      - How many times a request is retried after a connection error, a time-out, or HTTP 429, 500, 502, 503 or 504.
      - Retries wait with exponential backoff and jitter (about 1, 2, 4 seconds ...), or as long as the server asks
        with C(Retry-After) or Vobiz's C(error.details.retryAfter), up to O(retry_max_wait).
      - HTTP 400, 401, 403 and 404 are never retried, nor is a TLS failure. V(0) disables retries.
    type: int
    default: 3
  retry_max_wait:
    description:
      - The longest wait, in seconds, before one retry, whatever the server asks.
    type: float
    default: 60
notes:
  - HTTPS proxies are taken from the usual environment variables (E(HTTPS_PROXY), E(HTTP_PROXY), E(NO_PROXY)).
  - One request takes at most O(timeout) seconds, and a task at most (O(retries) + 1) x O(timeout) + O(retries) x O(retry_max_wait)
    seconds per request it makes, whatever the server does.
requirements:
  - requests >= 2.25.0
"""
