"""Plain builder functions for test data; each returns what the test needs to act."""

from sqlmodel import Session

from ehp_api.access import service as access_service
from ehp_api.access.models import ApiKeyCreate, User, UserCreate
from ehp_api.core.permissions import Role
from ehp_api.core.principal import system_principal


def api_key(
    session: Session,
    role: Role = Role.partner,
    org: str = "HCR",
    expires_in_days: int | None = None,
) -> str:
    """A new API key's secret."""
    data = ApiKeyCreate(
        name=f"test {role} {org}", organisation=org, role=role, expires_in_days=expires_in_days
    )
    return access_service.create_api_key(session, system_principal(), data).secret


def user(
    session: Session,
    email: str = "someone@ocha.example",
    role: Role = Role.analyst,
    org: str = "OCHA",
    password: str = "a long enough password",
) -> User:
    data = UserCreate(
        email=email, display_name=email, organisation=org, role=role, password=password
    )
    return access_service.create_user(session, system_principal(), data)


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}
