"""Loading one client's record for the export: a fixed number of queries whatever the record
holds (one per kind of record the scopes need, never one per row).

The client is read with `intake.clients.service.get_client`, so the caseload check is part
of the query (404 alike for a missing client and one the actor may not see) and the read is
audited as `fhir.export`. Every other query selects by that client's id; the relationships
the export does not show are not loaded (a session's other participants above all: a group
member never learns who else is booked).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import lazyload

from aftercare.plans.models import AftercarePlan
from cases.episodes.models import Case
from cases.notes.models import Note, NoteKind
from cases.tapers.models import TaperPlan
from cases.treatment_plans.models import TreatmentPlan
from cases.withdrawal.models import WithdrawalScore
from core.extensions import db
from intake.assessments.models import Assessment, AssessmentStatus
from intake.clients.models import Client
from intake.clients.service import get_client
from intake.flags.models import Flag
from scheduling.sessions.models import ParticipantStatus, SessionParticipant, TherapySession

#: Note kinds exported under `notes`. Group notes stay home: they describe a group session
#: and may speak of the other members, whose records these are not.
EXPORTED_NOTE_KINDS = (NoteKind.PROGRESS, NoteKind.DAP, NoteKind.SOAP)

#: record kind → the scopes that need it loaded.
NEEDED_BY: dict[str, frozenset[str]] = {
    "assessments": frozenset({"diagnoses", "assessments", "medications"}),
    "flags": frozenset({"flags"}),
    #: a treatment plan's status follows its case's.
    "cases": frozenset({"cases", "treatment_plan"}),
    "treatment_plans": frozenset({"treatment_plan"}),
    "aftercare_plans": frozenset({"aftercare"}),
    "tapers": frozenset({"medications"}),
    "withdrawal_scores": frozenset({"medications"}),
    "sessions": frozenset({"sessions"}),
    "notes": frozenset({"notes"}),
}


@dataclass(frozen=True)
class ClientRecords:
    """What the export shows of one client; kinds the scopes do not need stay empty."""

    client: Client
    #: submitted assessments, oldest first (the last is the latest, as dual diagnosis reads it).
    assessments: Sequence[Assessment] = ()
    flags: Sequence[Flag] = ()
    cases: Sequence[Case] = ()
    treatment_plans: Sequence[TreatmentPlan] = ()
    aftercare_plans: Sequence[AftercarePlan] = ()
    tapers: Sequence[TaperPlan] = ()
    withdrawal_scores: Sequence[WithdrawalScore] = ()
    #: (session, the client's booking in it), by start time.
    sessions: Sequence[tuple[TherapySession, SessionParticipant]] = ()
    #: signed notes of the exported kinds, with their addenda.
    notes: Sequence[Note] = ()

    @property
    def latest_assessment(self) -> Assessment | None:
        return self.assessments[-1] if self.assessments else None

    def case_status(self, case_id: int) -> str | None:
        found = next((case for case in self.cases if case.id == case_id), None)
        return None if found is None else str(found.status.value)


def load_records(client_id: int, *, actor: Any, scopes: frozenset[str]) -> ClientRecords:
    """The client (404 unless the actor may see them; audited `fhir.export`) and the records
    `scopes` need."""
    client = get_client(client_id, actor=actor, action="fhir.export")
    loaded = {
        kind: _LOADERS[kind](client.id) for kind, needed in NEEDED_BY.items() if needed & scopes
    }
    return ClientRecords(client=client, **loaded)


def _all(stmt: sa.Select[Any]) -> list[Any]:
    return list(db.session.execute(stmt).scalars())


def _of_client_cases(model: Any, client_id: int) -> sa.Select[Any]:
    """Rows of `model` (a table with `case_id`) on the client's cases."""
    return sa.select(model).join(Case, Case.id == model.case_id).where(Case.client_id == client_id)


def _assessments(client_id: int) -> list[Assessment]:
    return _all(
        sa.select(Assessment)
        .where(Assessment.client_id == client_id, Assessment.status == AssessmentStatus.SUBMITTED)
        .order_by(Assessment.assessed_on, Assessment.submitted_at, Assessment.id)
    )


def _flags(client_id: int) -> list[Flag]:
    return _all(
        sa.select(Flag).where(Flag.client_id == client_id).order_by(Flag.raised_at, Flag.id)
    )


def _cases(client_id: int) -> list[Case]:
    return _all(
        sa.select(Case)
        .where(Case.client_id == client_id)
        .options(lazyload(Case.care_team), lazyload(Case.level_history))
        .order_by(Case.opened_at, Case.id)
    )


def _treatment_plans(client_id: int) -> list[TreatmentPlan]:
    return _all(_of_client_cases(TreatmentPlan, client_id).order_by(TreatmentPlan.id))


def _aftercare_plans(client_id: int) -> list[AftercarePlan]:
    return _all(_of_client_cases(AftercarePlan, client_id).order_by(AftercarePlan.id))


def _tapers(client_id: int) -> list[TaperPlan]:
    return _all(_of_client_cases(TaperPlan, client_id).order_by(TaperPlan.id))


def _withdrawal_scores(client_id: int) -> list[WithdrawalScore]:
    stmt = _of_client_cases(WithdrawalScore, client_id)
    return _all(stmt.order_by(WithdrawalScore.observed_at, WithdrawalScore.id))


def _sessions(client_id: int) -> list[tuple[TherapySession, SessionParticipant]]:
    stmt = (
        sa.select(TherapySession, SessionParticipant)
        .join(SessionParticipant, SessionParticipant.session_id == TherapySession.id)
        .where(
            SessionParticipant.client_id == client_id,
            SessionParticipant.status == ParticipantStatus.BOOKED,
        )
        .options(lazyload(TherapySession.participants))
        .order_by(TherapySession.starts_at, TherapySession.id)
    )
    return [(row[0], row[1]) for row in db.session.execute(stmt)]


def _notes(client_id: int) -> list[Note]:
    stmt = _of_client_cases(Note, client_id).where(
        Note.signed_at.is_not(None), Note.kind.in_(EXPORTED_NOTE_KINDS)
    )
    return _all(stmt.order_by(Note.signed_at, Note.id))


_LOADERS = {
    "assessments": _assessments,
    "flags": _flags,
    "cases": _cases,
    "treatment_plans": _treatment_plans,
    "aftercare_plans": _aftercare_plans,
    "tapers": _tapers,
    "withdrawal_scores": _withdrawal_scores,
    "sessions": _sessions,
    "notes": _notes,
}
