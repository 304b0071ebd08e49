"""Audit events as answered: the public id, the organisation by its code."""

from collections.abc import Mapping

from ehp_api.audit.models import AuditEvent
from ehp_api.audit.schemas import AuditEventPublic


def to_public(event: AuditEvent, organisation_codes: Mapping[int, str]) -> AuditEventPublic:
    return AuditEventPublic(
        **event.model_dump(exclude={"id", "public_id", "organisation_id", "confidential"}),
        id=event.public_id,
        organisation=organisation_codes.get(event.organisation_id)
        if event.organisation_id
        else None,
    )
