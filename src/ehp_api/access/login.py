"""Logging in: rate-limited by account and address together, failures audited, refusals counted."""

from datetime import timedelta

from sqlmodel import Session

from ehp_api.access import credentials, refusals
from ehp_api.access.schemas import TokenResponse
from ehp_api.audit import service as audit
from ehp_api.core.errors import AppError, Unauthorized
from ehp_api.core.i18n import N_, tr
from ehp_api.web.ratelimit import LoginLimiter, TooManyRequests

BAD_CREDENTIALS = N_("Wrong email or password, or the account is disabled.")


class LoginRefused(TooManyRequests):
    """A 429 that knows which (account, address) it is counted against; `*` means any."""

    def __init__(self, refusal: TooManyRequests, account: str, client_ip: str) -> None:
        super().__init__(refusal.retry_after)
        self.account, self.client_ip = account, client_ip


class LoginLimits:
    """Limits that nobody elsewhere can turn into a lockout of an account's owner: attempts per
    (account, address) pair, per address over all accounts, and a much higher ceiling per account
    over all addresses (many addresses guessing one password). Shared by all workers.

    Checked in that order, an attempt refused by one limit is not counted by the next: a hammering
    address spends its own allowance, not the owner's, and adds little to the account's ceiling.
    """

    def __init__(self, per_pair: LoginLimiter, per_ip: LoginLimiter, per_account: LoginLimiter):
        self.per_pair, self.per_ip, self.per_account = per_pair, per_ip, per_account

    def hit(self, email: str, client_ip: str) -> None:
        """Count one attempt; raise LoginRefused when a limit refuses it."""
        checks = (
            (self.per_ip, ("login-ip", client_ip), refusals.ANY, client_ip),
            (self.per_pair, ("login-pair", email, client_ip), email, client_ip),
            (self.per_account, ("login-account", email), email, refusals.ANY),
        )
        for limiter, identifiers, account, address in checks:
            try:
                limiter.hit(*identifiers)
            except TooManyRequests as refusal:
                raise LoginRefused(refusal, account, address) from None


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
    except LoginRefused as refusal:
        # One audit event when refusals start; the rest are counted for the summary.
        if refusals.count(session, refusal.account, refusal.client_ip, refusal.retry_after):
            _audit_failure(session, email, "rate_limited", client_ip)
        return refusal
    user = credentials.find_user_by_email(session, email)
    valid = credentials.verify_password(user.password_hash if user else None, password)
    if user is None or not valid or not user.is_active:
        _audit_failure(session, email, "bad_credentials", client_ip, user.id if user else None)
        return Unauthorized(tr(BAD_CREDENTIALS))
    secret, _token = credentials.issue_token(session, user, ttl)
    audit.record(session, credentials.user_principal(user), "auth.login", "user", user.id)
    return TokenResponse(access_token=secret, expires_in=int(ttl.total_seconds()))


def _audit_failure(
    session: Session, email: str, reason: str, client_ip: str, user_id: int | None = None
) -> None:
    changes = {"reason": {"old": None, "new": reason}, "client_ip": {"old": None, "new": client_ip}}
    audit.record(session, audit.anonymous(email), "auth.login_failed", "user", user_id, changes)
