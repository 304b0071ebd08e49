"""Users and API keys as answered: the organisation by its code."""

from ehp_api.access.models import ApiKey, User
from ehp_api.access.schemas import ApiKeyPublic, UserPublic


def user_to_public(user: User) -> UserPublic:
    return UserPublic(
        **user.model_dump(include=set(UserPublic.model_fields) - {"organisation"}),
        organisation=user.organisation.code,
    )


def key_to_public(key: ApiKey) -> ApiKeyPublic:
    return ApiKeyPublic(
        **key.model_dump(include=set(ApiKeyPublic.model_fields) - {"organisation"}),
        organisation=key.organisation.code,
    )
