"""Intake of KoboToolbox REST Service submissions: one JSON submission becomes one complaint.

Kobo posts each new submission once and retries failures (after 1, 10 and 100 minutes): the
submission's `_uuid` is unique per organisation that sends it (`kobo_key`), so a resend finds the
complaint it made. Error messages name fields, never the answers: a submission may carry a name
or a phone.

No answer is an oracle. The form is checked before anything is looked up, so a submission
claiming another organisation's form learns nothing of its uuid. A resend is answered with what
the first answer said (read from the submission again), never with the complaint's state since:
the sender may no longer be allowed to see it (a case reclassified as an SEA allegation). A
uuid another organisation sent is not looked at: the submission makes a complaint of the
sender's own, as a new one would (a refusal would tell that the other organisation's case
exists, and it may be confidential). A form's follow-up code already held by another case is
not refused (that would tell the sender the code exists): the complaint gets a new code, and the
event is audited for the secretariat.
"""

from typing import Any

from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from ehp_api.audit import service as audit
from ehp_api.complaints import deadlines, fields, identity, kobo_forms, policy, service
from ehp_api.complaints.identity import IdentityCipher
from ehp_api.complaints.kobo_forms import BOOLEAN_TARGETS
from ehp_api.complaints.models import Complaint, ComplaintStatus, KoboForm
from ehp_api.complaints.schemas import ComplaintCreate, ComplaintReceipt
from ehp_api.core.db import utcnow
from ehp_api.core.errors import (
    Conflict,
    Forbidden,
    InvalidInput,
    InvalidParam,
    NotFound,
    validation_reason,
)
from ehp_api.core.i18n import current_language, tr
from ehp_api.core.principal import Principal

_YES = {"yes", "oui", "true", "1", "y", "o"}
_NO = {"no", "non", "false", "0", "n"}
MIN_FORM_CODE_LENGTH = 12
# Kobo's `_uuid` is 36 characters (41 as `uuid:...`); the stored key adds the organisation's id.
MAX_UUID_LENGTH = 80


def kobo_key(organisation_id: int, uuid: str) -> str:
    """What `Complaint.kobo_uuid` holds: the submission's uuid within the organisation sending
    it, so that one organisation's submissions never meet another's."""
    return f"{organisation_id}:{uuid}"


def intake(
    session: Session, principal: Principal, cipher: IdentityCipher, submission: dict[str, Any]
) -> tuple[Complaint, bool]:
    """The complaint a submission makes, and whether it is new (False: a resend)."""
    uuid = _required_text(submission, "_uuid", MAX_UUID_LENGTH)
    form = _form(session, principal, _required_text(submission, "_xform_id_string"))
    existing = _by_uuid(session, principal, uuid)
    if existing is not None:
        return existing, False
    data, code = to_complaint(form, submission)
    replaced = code is not None and _code_taken(session, code)
    if replaced:
        code = None
    try:
        with session.begin_nested():
            complaint, _ = service.create(
                session, principal, cipher, data,
                kobo_uuid=kobo_key(principal.organisation_id or 0, uuid), follow_up_code=code,
            )  # fmt: skip
    except InvalidInput as refusal:
        raise _without_answers(form, refusal) from None
    except IntegrityError:
        # A concurrent resend stored it first (or, in the same instant, took its code).
        existing = _by_uuid(session, principal, uuid)
        if existing is None:
            raise Conflict(tr("The submission could not be stored now; send it again.")) from None
        return existing, False
    if replaced:
        audit.record(
            session, principal, "complaint.follow_up_code_replaced", "complaint", complaint.id,
            confidential=complaint.sensitive,
        )  # fmt: skip
    return complaint, True


def _code_taken(session: Session, code: str) -> bool:
    stmt = select(Complaint.id).where(Complaint.follow_up_code_hash == identity.hash_code(code))
    return session.exec(stmt).first() is not None


def first_answer(
    session: Session, principal: Principal, complaint: Complaint, submission: dict[str, Any]
) -> ComplaintReceipt:
    """A resend's receipt: what the first answer said, read from the submission again, for any
    state the complaint is in now."""
    form = _form(session, principal, _required_text(submission, "_xform_id_string"))
    data, _ = to_complaint(form, submission)
    given = data.sensitive if "sensitive" in data.model_fields_set else None
    sensitive = fields.sensitivity(data.category, given)
    return ComplaintReceipt(
        id=complaint.id or 0,
        status=ComplaintStatus.received,
        confidential=sensitive,
        referral_due_on=deadlines.referral_due_on(
            session, data.category, sensitive, data.received_on
        ),
        outcome="unchanged",
    )


def _by_uuid(session: Session, principal: Principal, uuid: str) -> Complaint | None:
    """The complaint the caller's organisation made of this submission, if any; another
    organisation's is never looked at."""
    if principal.organisation_id is None:
        return None  # creating refuses it: complaints are recorded by an organisation
    key = kobo_key(principal.organisation_id, uuid)
    return session.exec(select(Complaint).where(Complaint.kobo_uuid == key)).first()


def _form(session: Session, principal: Principal, xform_id: str) -> KoboForm:
    try:
        form = kobo_forms.get(session, xform_id)
    except NotFound:
        reason = tr(
            "no mapping for the Kobo form {xform_id!r}; the secretariat adds one with "
            "PUT /api/v1/complaints/intake/kobo/forms/{xform_id}",
            xform_id=xform_id,
        )
        raise _invalid("_xform_id_string", reason, "unknown_form") from None
    if form.organisation_id != principal.organisation_id and not policy.coordinates(principal):
        raise Forbidden(tr("This Kobo form belongs to another organisation."))
    return form


def to_complaint(form: KoboForm, submission: dict[str, Any]) -> tuple[ComplaintCreate, str | None]:
    """The complaint the form's mapping reads from the submission, and its follow-up code."""
    values: dict[str, Any] = {}
    for target in kobo_forms.TARGETS:
        value = _mapped(form, target, submission)
        if value is not None:
            values[target] = value
    values.setdefault("received_on", _submitted_on(submission))
    code = values.pop("follow_up_code", None)
    _anonymity(values)
    try:
        data = ComplaintCreate.model_validate(_nest(values))
    except ValidationError as exc:
        raise _refused(form, exc) from None
    return data, _form_code(code)


def _mapped(form: KoboForm, target: str, submission: dict[str, Any]) -> Any:
    question = form.fields.get(target)
    answer = _answer(submission, question) if question else None
    if answer is None:
        return form.defaults.get(target)
    choices = form.values.get(target, {})
    answer = choices.get(str(answer), answer)
    if target in BOOLEAN_TARGETS and isinstance(answer, str):
        lowered = answer.strip().lower()
        answer = True if lowered in _YES else False if lowered in _NO else answer
    return answer


def _answer(submission: dict[str, Any], question: str) -> Any:
    """Kobo's JSON is flat (`group/question` keys); a nested export is read too."""
    if question in submission:
        value = submission[question]
    else:
        value = submission
        for part in question.split("/"):
            value = value.get(part) if isinstance(value, dict) else None
    return None if value == "" else value


def _submitted_on(submission: dict[str, Any]) -> str | None:
    for key in ("today", "_submission_time", "end"):
        value = submission.get(key)
        if isinstance(value, str) and len(value) >= 10:
            return value[:10]
    return utcnow().date().isoformat()


def _anonymity(values: dict[str, Any]) -> None:
    """A form without an `anonymous` question: the complainant is anonymous unless identified."""
    identified = any(k in values for k in ("complainant.name", "complainant.phone"))
    values.setdefault("complainant.anonymous", not identified)
    if values["complainant.anonymous"] is True:
        for key in ("complainant.consent_to_contact", "complainant.consent_to_share_identity"):
            if values.get(key) is False:
                del values[key]


def _nest(values: dict[str, Any]) -> dict[str, Any]:
    body: dict[str, Any] = {}
    for key, value in values.items():
        head, _, tail = key.partition(".")
        if tail:
            body.setdefault(head, {})[tail] = value
        else:
            body[key] = value
    return body


def _form_code(code: Any) -> str | None:
    if code is None:
        return None
    if len(identity.normalise_code(str(code))) < MIN_FORM_CODE_LENGTH:
        reason = tr(
            "a form's follow-up code needs at least {length} letters or digits",
            length=MIN_FORM_CODE_LENGTH,
        )
        raise _invalid("follow_up_code", reason, "follow_up_code_too_short")
    return str(code)


def _required_text(submission: dict[str, Any], key: str, longest: int = 100) -> str:
    value = submission.get(key)
    if not isinstance(value, str) or not value.strip() or len(value) > longest:
        reason = tr(
            "a KoboToolbox submission has it (1 to {longest} characters)",
            longest=longest,
        )
        raise _invalid(key, reason, "missing")
    return value.strip()


def _invalid(field: str, reason: str, code: str) -> InvalidInput:
    param = InvalidParam(location="body", field=field, reason=reason, code=code)
    return InvalidInput(
        tr(
            "{field}: {reason}.",
            field=field,
            reason=reason,
        ),
        errors=[param],
    )


def _without_answers(form: KoboForm, refusal: InvalidInput) -> InvalidInput:
    """The service's refusal of a complaint (an unknown organisation or P-code...), told again
    without its reasons: they quote the value, and a Kobo answer is never repeated."""
    errors = []
    for error in refusal.errors or []:
        question = form.fields.get(error.field)
        reason = tr("the answer is not accepted ({code})", code=error.code)
        if question:
            reason = tr("{reason} (Kobo question {question!r})", reason=reason, question=question)
        errors.append(error.model_copy(update={"reason": reason}))
    return _not_a_complaint(errors)


def _refused(form: KoboForm, exc: ValidationError) -> InvalidInput:
    """The schema's refusals, each naming the complaint field and its Kobo question; pydantic's
    `msg` never holds the input, and the input is never read here."""
    errors: list[InvalidParam] = []
    language = current_language()
    for error in exc.errors(include_input=False, include_url=False):
        field = ".".join(str(p) for p in error["loc"])
        question = form.fields.get(field)
        reason = validation_reason(error, language)
        if question:
            reason = tr("{reason} (Kobo question {question!r})", reason=reason, question=question)
        errors.append(InvalidParam(location="body", field=field, reason=reason, code=error["type"]))
    return _not_a_complaint(errors)


def _not_a_complaint(errors: list[InvalidParam]) -> InvalidInput:
    summary = "; ".join(f"{e.field}: {e.reason}" for e in errors[:5])
    return InvalidInput(
        tr(
            "The submission does not make a valid complaint: {summary}.",
            summary=summary or tr("refused by the service"),
        ),
        errors=errors,
    )
