"""The work plan's indicators the register answers, counted from its entries (each entry once,
whoever reported it: the EHP meets, deliberates and asks once).

- 1.1.1.3 `# de réunions EHP ad hoc protection`: ad hoc meetings with protection on the agenda,
  by the day they were held.
- 1.1.3.1 `% de notes de protection thématiques ayant donné lieu à délibération de l'EHP`: of the
  thematic notes received in the period (by the day received), those the EHP deliberated on.
- 1.1.4.1 `# de requêtes de l'EHP au Cluster Protection pour compléments d'information`: the
  information requests, by the day asked.
- 1.1.4.2 `# de notes fournies à la demande de l'EHP par le Cluster Protection (et % sur Liptako
  Gourma)`: the requests answered with a note, by the day answered; the Liptako Gourma part is
  those whose note covers the area, over those where that is known.
"""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, case, func
from sqlmodel import Session, select

from ehp_api.register.models import InformationRequest, Meeting, MeetingKind, ThematicNote

AD_HOC_MEETINGS, NOTES_DELIBERATED = "1.1.1.3", "1.1.3.1"
REQUESTS, NOTES_SUPPLIED = "1.1.4.1", "1.1.4.2"
COMPUTED = frozenset({AD_HOC_MEETINGS, NOTES_DELIBERATED, REQUESTS, NOTES_SUPPLIED})


@dataclass(frozen=True)
class Count:
    """An indicator's figure over a span: a count (`numerator`), or deliberated over received;
    for 1.1.4.2 its Liptako Gourma part and the part whose zone is not said."""

    numerator: int
    denominator: int = 0
    liptako_gourma: int = 0
    zone_unknown: int = 0


def _sum(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def counts(session: Session, starts_on: date, ends_on: date) -> dict[str, Count]:
    """Every register indicator's figure over [starts_on, ends_on]: three queries."""
    meetings = session.exec(
        select(func.count()).where(
            Meeting.kind == MeetingKind.ad_hoc,
            Meeting.protection_on_agenda,
            Meeting.held_on.between(starts_on, ends_on),
        )
    ).one()
    received, deliberated = session.exec(
        select(func.count(), _sum(ThematicNote.deliberated.is_(True))).where(
            ThematicNote.received_on.between(starts_on, ends_on)
        )
    ).one()
    asked = InformationRequest.asked_on.between(starts_on, ends_on)
    supplied = InformationRequest.note_supplied & InformationRequest.answered_on.between(
        starts_on, ends_on
    )
    requests, notes, liptako, unknown = session.exec(
        select(
            _sum(asked),
            _sum(supplied),
            _sum(supplied & InformationRequest.liptako_gourma.is_(True)),
            _sum(supplied & InformationRequest.liptako_gourma.is_(None)),
        )
    ).one()
    return {
        AD_HOC_MEETINGS: Count(meetings),
        NOTES_DELIBERATED: Count(int(deliberated), received),
        REQUESTS: Count(int(requests)),
        NOTES_SUPPLIED: Count(int(notes), 0, int(liptako), int(unknown)),
    }
