"""Logging in: rate-limited by account and by address, every failure audited."""

from datetime import timedelta

from sqlmodel import Session

from ehp_api.access import credentials
from ehp_api.access.models import TokenResponse
from ehp_api.audit import service as audit
from ehp_api.errors import AppError, Unauthorized
from ehp_api.ratelimit import LoginLimiter, TooManyRequests

BAD_CREDENTIALS = "Wrong email or password, or the account is disabled."


class LoginLimits:
    """One limiter per account and one per client address, shared by all workers."""

    def __init__(self, per_account: LoginLimiter, per_ip: LoginLimiter) -> None:
        self.per_account = per_account
        self.per_ip = per_ip

    def hit(self, email: str, client_ip: str) -> None:
        self.per_ip.hit("login-ip", client_ip)
        self.per_account.hit("login-account", email)


def login(
    session: Session,
    limits: LoginLimits,
    email: str,
    password: str,
    client_ip: str,
    ttl: timedelta,
) -> TokenResponse | AppError:
    """A token, or the refusal to answer with. Refusals are returned, not raised, so that the
    audit row of the failure is committed with the request."""
    email = email.strip().lower()
    try:
        limits.hit(email, client_ip)
    except TooManyRequests as refusal:
        _audit_failure(session, email, "rate_limited", client_ip)
        return refusal
    user = credentials.find_user_by_email(session, email)
    valid = credentials.verify_password(user.password_hash if user else None, password)
    if user is None or not valid or not user.is_active:
        _audit_failure(session, email, "bad_credentials", client_ip, user.id if user else None)
        return Unauthorized(BAD_CREDENTIALS)
    secret, _token = credentials.issue_token(session, user, ttl)
    audit.record(session, credentials.user_principal(user), "auth.login", "user", user.id)
    return TokenResponse(access_token=secret, expires_in=int(ttl.total_seconds()))


def _audit_failure(
    session: Session, email: str, reason: str, client_ip: str, user_id: int | None = None
) -> None:
    changes = {"reason": {"old": None, "new": reason}, "client_ip": {"old": None, "new": client_ip}}
    audit.record(session, audit.anonymous(email), "auth.login_failed", "user", user_id, changes)
