"""Limits on what one client, or one e-mail address, can make the sign-up form do.

- SIGNUP_RATE_LIMIT: sign-up form posts per client address (a script filling the
  waiting list, or mailing strangers through the "link again" path from one host);
- LINK_RESEND_RATE_LIMIT: "your link again" messages per e-mail address, whoever asks
  (so nobody can flood someone's mailbox from many hosts).

Counted by Flask-Limiter's storage (RATELIMIT_STORAGE_URI): in memory by default, which
is per process, so with several gunicorn workers each worker counts on its own; Redis
shares the counts. RATELIMIT_ENABLED=false turns both off (the benchmarks do).
Addresses are counted under a keyed hash, never in clear. When the storage cannot be
reached the form goes on working: a limit is not worth losing a sign-up.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import time

from flask import current_app
from flask_limiter.util import get_remote_address
from limits import parse_many

from eventapp.extensions import limiter
from eventapp.models import Registration

log = logging.getLogger(__name__)


def _hit(limit: str, scope: str, key: str) -> int | None:
    """Count one hit against every rate in `limit`; None while allowed, else the seconds
    until the exhausted window resets."""
    if not limiter.enabled or not limit:
        return None
    strategy = limiter.limiter
    try:
        for item in parse_many(limit):
            if not strategy.hit(item, scope, key):
                reset_at, _remaining = strategy.get_window_stats(item, scope, key)
                return max(1, int(reset_at - time.time()))
    except Exception:  # the storage (Redis) is down: let the person through
        log.exception("rate limit storage unavailable; %s not limited", scope)
    return None


def signup_retry_after() -> int | None:
    """Count a sign-up post from this client; None while allowed, else seconds to wait."""
    return _hit(
        current_app.config.get("SIGNUP_RATE_LIMIT", ""), "signup", get_remote_address() or ""
    )


def link_again_allowed(registration: Registration) -> bool:
    """Count a "link again" message to this registration's address (for any event);
    whether to send it."""
    secret = str(current_app.config["SECRET_KEY"]).encode()
    key = hmac.new(secret, (registration.email_key or "").encode(), hashlib.sha256)
    return (
        _hit(current_app.config.get("LINK_RESEND_RATE_LIMIT", ""), "link-again", key.hexdigest())
        is None
    )
