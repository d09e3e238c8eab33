"""Sign-in throttling per account, beside Flask-Limiter's per-address LOGIN_RATE_LIMIT.

After FREE_FAILURES failed sign-ins for one address (whether or not an account has it,
so the answer tells nothing), each further attempt must wait 2^(n - FREE_FAILURES)
seconds after the n-th failure, at most MAX_WAIT: for everyone, from any client. An
attempt inside the wait is refused without checking the password. A successful sign-in
or a password reset starts the count again; failures are forgotten a day after the first.

Counted in Flask-Limiter's storage (RATELIMIT_STORAGE_URI), so gunicorn workers share
the counts through Redis; addresses are counted under a keyed hash, never in clear.
When the storage cannot be reached, sign-in goes on working (logged).

The per-address limit counts failures only (`counts_against_address`), and is set high
enough that one account's delay keeps its failures below it: someone hammering account A
from an office's address does not lock out B, who signs in from the same address.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import time

from flask import current_app, g

from eventapp.extensions import limiter

log = logging.getLogger(__name__)

FREE_FAILURES = 10
MAX_WAIT = 15 * 60
#: Failures are counted over this window from the first one.
WINDOW = 24 * 60 * 60


class Throttled(Exception):
    """Too many failed sign-ins for this account; `seconds` to wait."""

    def __init__(self, seconds: int):
        super().__init__(seconds)
        self.seconds = seconds


def delay(failures: int) -> int:
    """Seconds to wait after the `failures`-th failure."""
    if failures < FREE_FAILURES:
        return 0
    return min(MAX_WAIT, 2 ** (failures - FREE_FAILURES))


def _keys(email: str) -> tuple[str, str]:
    secret = str(current_app.config["SECRET_KEY"]).encode()
    digest = hmac.new(secret, email.strip().lower().encode(), hashlib.sha256).hexdigest()
    return f"login-failures/{digest}", f"login-wait/{digest}"


def check(email: str) -> None:
    """Raise Throttled while the account must wait."""
    if not limiter.enabled:
        return
    _count, wait = _keys(email)
    try:
        storage = limiter.storage
        if storage.get(wait):
            raise Throttled(max(1, round(storage.get_expiry(wait) - time.time())))
    except Throttled:
        raise
    except Exception:  # Redis is down: a limit is not worth locking everyone out
        log.exception("sign-in throttle storage unavailable")


def failed(email: str) -> int:
    """Count a failed sign-in for the account; start its wait after FREE_FAILURES.
    Gives the seconds the account must now wait (0: none)."""
    g.login_failed = True
    if not limiter.enabled:
        return 0
    count, wait = _keys(email)
    try:
        storage = limiter.storage
        seconds = delay(storage.incr(count, WINDOW))
        if seconds:
            storage.clear(wait)
            storage.incr(wait, seconds)
        return seconds
    except Exception:
        log.exception("sign-in throttle storage unavailable")
        return 0


def succeeded(email: str) -> None:
    """The account's owner got in (or reset the password): start counting again."""
    if not limiter.enabled:
        return
    try:
        for key in _keys(email):
            limiter.storage.clear(key)
    except Exception:
        log.exception("sign-in throttle storage unavailable")


def counts_against_address(_response) -> bool:
    """Flask-Limiter's deduct_when for LOGIN_RATE_LIMIT: only a wrong password counts,
    not a success nor an attempt refused by the account's wait."""
    return bool(g.get("login_failed"))
