"""Clients and their cases for the generator: planning a case (`Episode`) and its follow-ups,
then writing the client, the assessment, the case with its level history, caseload
memberships and care team, the follow-ups, and the client's flags."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

from bench.generate_model import (
    DISCHARGE_REASONS,
    FIRST,
    INPATIENT,
    LAST,
    OUTCOMES,
    OUTPATIENT,
    PSYCHIATRIC,
    Episode,
    GeneratorBase,
    mrn_for,
    utc_at,
    weighted,
)
from bench.writer import as_json

#: How far back an open case of each status was opened, at most (days before as_of).
OPENED_WITHIN = {"active": 150, "admitted": 40, "waitlisted": 14}


def _level_for(rng: random.Random, status: str) -> str:
    if status in ("admitted", "waitlisted"):
        return rng.choice(INPATIENT)
    if status == "active":
        return rng.choice(OUTPATIENT)
    return rng.choice(INPATIENT) if rng.random() < 0.3 else rng.choice(OUTPATIENT)


class CasesMixin(GeneratorBase):
    # --- planning ------------------------------------------------------------------------------

    def _episode(
        self,
        rng: random.Random,
        client_id: int,
        status: str,
        bed_id: int | None,
        before: datetime | None = None,
    ) -> Episode:
        """Plan one case of `status`; a discharged one ends before `before` when given."""
        level = _level_for(rng, status)
        if status in OPENED_WITHIN:
            ep = self._open_episode(rng, client_id, level, status)
        else:
            ep = self._discharged_episode(rng, client_id, level, status, before)
        ep.id = self.ids("cases")
        ep.bed_id = bed_id
        return ep

    def _open_episode(self, rng: random.Random, client_id: int, level: str, status: str) -> Episode:
        """Opened recently; bookable from its opening (admitted, active) or not before the
        booking horizon (waitlisted), until two weeks after as_of."""
        ahead = self.as_of + timedelta(days=14)
        opened = self.as_of - timedelta(days=rng.randint(1, OPENED_WITHIN[status]))
        at = utc_at(opened, rng.randint(9, 16))
        start = ahead if status == "waitlisted" else opened
        ep = Episode(0, client_id, level, status, at, start, ahead)
        if status == "admitted":
            ep.admitted_at = at
        elif status == "waitlisted":
            ep.waitlisted_at = at
        return ep

    def _discharged_episode(
        self, rng: random.Random, client_id: int, level: str, status: str, before: datetime | None
    ) -> Episode:
        """Discharged within the last two years, or 30 to 300 days before `before`."""
        stay = rng.randint(5, 45) if level in INPATIENT else rng.randint(21, 150)
        if before is None:
            discharged = self.as_of - timedelta(days=rng.randint(1, 700))
        else:
            discharged = before.date() - timedelta(days=rng.randint(30, 300))
        opened = discharged - timedelta(days=stay)
        at = utc_at(opened, rng.randint(9, 16))
        ep = Episode(0, client_id, level, status, at, opened, discharged,
                     discharge_date=discharged)  # fmt: skip
        if level in INPATIENT:
            ep.admitted_at = at
        return ep

    def _plan_follow_ups(self, rng: random.Random, ep: Episode, counsellor: int) -> None:
        A = self.as_of
        assert ep.discharge_date is not None
        for offset in (7, 30, 90):
            due = ep.discharge_date + timedelta(days=offset)
            contacted = outcome = notes = None
            # Most past follow-ups were made (old ones closed one way or another); about a
            # quarter of the last two months' are still open, i.e. overdue.
            done = 0.97 if due < A - timedelta(days=60) else 0.75
            if due < A and rng.random() < done:
                day = due + timedelta(days=rng.randint(-2, 3))
                day = min(max(day, ep.discharge_date + timedelta(days=1)), A - timedelta(days=1))
                contacted = utc_at(day, rng.randint(9, 17), rng.choice((0, 15, 30, 45)))
                outcome = weighted(rng, OUTCOMES)
                notes = f"Follow-up call: {outcome}."
                if outcome == "relapse":
                    ep.relapses.append(contacted)
            created = utc_at(ep.discharge_date, 17)
            ep.follow_ups.append(
                (self.ids("follow_ups"), ep.id, ep.client_id, offset, due, counsellor, contacted,
                 outcome, notes, contacted, counsellor if contacted else None, created, 1)
            )  # fmt: skip

    # --- rows ----------------------------------------------------------------------------------

    def _client(self, rng: random.Random, cid: int, intake: int, created: datetime) -> None:
        """The client row (registered before the first assessment)."""
        dob = date(1950, 1, 1) + timedelta(days=rng.randint(0, 55 * 365))
        sex = rng.choice(("female", "male", "male", "female", "intersex", "unknown"))
        self.w.add(
            "clients",
            (cid, mrn_for(cid), rng.choice(FIRST), rng.choice(LAST), dob, sex,
             f"+44 7700 {rng.randint(0, 999999):06d}",
             rng.choice(("self", "GP", "court", "family", "hospital")), "active", intake,
             created, created, 1),
        )  # fmt: skip

    def _case(
        self, rng: random.Random, ep: Episode, counsellor: int, clinician: int, intake: int
    ) -> int:
        """The case's assessment, the case, its level history, caseload access, care team,
        follow-ups. Returns the assessment id."""
        aid, recommended, override, urgent = self._assessment(rng, ep, clinician, intake)
        discharged_at = reason = summary = None
        if ep.discharge_date is not None:
            discharged_at = utc_at(ep.discharge_date, rng.randint(10, 17))
            reason = weighted(rng, DISCHARGE_REASONS)
            summary = f"Discharged ({reason.replace('_', ' ')})."
        self.w.add(
            "cases",
            (ep.id, ep.client_id, aid, ep.level, "inpatient" if ep.inpatient else "outpatient",
             ep.status, recommended, override, urgent, counsellor, ep.bed_id, ep.previous_case_id,
             ep.opened_at, clinician, ep.admitted_at, ep.waitlisted_at, discharged_at,
             ep.discharge_date, reason, summary, clinician if discharged_at else None,
             bool(ep.relapses), ep.opened_at, discharged_at or ep.opened_at,
             2 if discharged_at else 1),
        )  # fmt: skip
        self.w.add(
            "level_changes",
            (self.ids("level_changes"), ep.id, None, ep.level, override, ep.opened_at, clinician),
        )
        self._memberships(ep, counsellor, clinician, discharged_at)
        for row in ep.follow_ups:
            self.w.add("follow_ups", row)
        return aid

    def _assessment(
        self, rng: random.Random, ep: Episode, clinician: int, intake: int
    ) -> tuple[int, str, str | None, bool]:
        """The submitted assessment behind the case (a tenth of them overridden by the
        clinician). Returns (id, recommended level, override reason, urgent review)."""
        aid = self.ids("assessments")
        assessed_on = ep.opened_at.date() - timedelta(days=rng.randint(1, 7))
        submitted = utc_at(assessed_on, rng.randint(10, 16))
        recommended = ep.level
        override = None
        if rng.random() < 0.1:
            pool = INPATIENT if ep.inpatient else OUTPATIENT
            recommended = rng.choice([lv for lv in pool if lv != ep.level])
            override = "Clinical judgement after the intake interview."
        urgent = rng.random() < 0.1
        self.w.add(
            "assessments",
            (aid, ep.client_id, "submitted", assessed_on,
             as_json({"recommendation": {"level": recommended}}), "bench",
             rng.random() < 0.85, rng.random() < 0.6, recommended, urgent, submitted, clinician,
             intake, submitted - timedelta(hours=2), submitted, 1),
        )  # fmt: skip
        return aid, recommended, override, urgent

    def _memberships(
        self, ep: Episode, counsellor: int, clinician: int, discharged_at: datetime | None
    ) -> None:
        """Caseload access: primary counsellor; care team (admitted); aftercare (discharged,
        until the last follow-up is done)."""
        self.w.add(
            "caseload_memberships",
            (self.ids("caseload_memberships"), counsellor, ep.client_id, ep.id, "primary",
             ep.opened_at, discharged_at),
        )  # fmt: skip
        if ep.status == "admitted":
            self.w.add(
                "care_team_members",
                (self.ids("care_team_members"), ep.id, clinician, ep.opened_at, None),
            )
            self.w.add(
                "caseload_memberships",
                (self.ids("caseload_memberships"), clinician, ep.client_id, ep.id, "care_team",
                 ep.opened_at, None),
            )  # fmt: skip
        if discharged_at is not None:
            last_open = any(f[9] is None for f in ep.follow_ups)
            ended = None if last_open else max(f[9] for f in ep.follow_ups)
            self.w.add(
                "caseload_memberships",
                (self.ids("caseload_memberships"), counsellor, ep.client_id, ep.id, "aftercare",
                 discharged_at, ended),
            )  # fmt: skip

    def _flags(
        self,
        rng: random.Random,
        client_id: int,
        eps: list[Episode],
        assessments: list[int],
        clinician: int,
        counsellor: int,
    ) -> None:
        raised = eps[0].opened_at - timedelta(hours=1)
        self._screening_flags(rng, client_id, raised, assessments[0], clinician)
        self._relapse_flags(client_id, eps, counsellor)

    def _screening_flags(
        self, rng: random.Random, client_id: int, raised: datetime, source: int, clinician: int
    ) -> None:
        """Flags raised by the first assessment: psychiatric, polysubstance, safety, medical."""

        def flag(kind: str, category: str, severity: str, active: bool, note: str) -> None:
            resolved = None if active else raised + timedelta(days=rng.randint(10, 90))
            self.w.add(
                "flags",
                (self.ids("flags"), client_id, kind, category, severity,
                 "active" if active else "resolved", "screening", source, note, raised, clinician,
                 resolved, clinician if resolved else None,
                 "Reviewed and resolved." if resolved else None, 1),
            )  # fmt: skip

        if rng.random() < 0.22:
            for kind in rng.sample(PSYCHIATRIC, rng.choice((1, 1, 2))):
                flag(kind, "psychiatric", "warning", rng.random() < 0.8, f"History of {kind}.")
        if rng.random() < 0.25:
            flag("polysubstance", "substance", "warning", rng.random() < 0.9, "Two classes.")
        if rng.random() < 0.04:
            flag("suicide_risk", "safety", "urgent", rng.random() < 0.5, "PHQ-9 item 9 > 0.")
        if rng.random() < 0.03:
            flag("respiratory_depression_risk", "medical", "urgent", rng.random() < 0.6,
                 "Benzodiazepine with opioid use.")  # fmt: skip

    def _relapse_flags(self, client_id: int, eps: list[Episode], counsellor: int) -> None:
        """One relapse flag per relapse found at follow-up; each resolved by the next."""
        relapses = sorted(r for ep in eps for r in ep.relapses)
        for i, at in enumerate(relapses):
            resolved = relapses[i + 1] - timedelta(hours=1) if i + 1 < len(relapses) else None
            self.w.add(
                "flags",
                (self.ids("flags"), client_id, "relapse", "substance", "warning",
                 "resolved" if resolved else "active", "follow_up", None,
                 "Relapse reported at follow-up.", at, counsellor, resolved,
                 counsellor if resolved else None, "Re-engaged." if resolved else None, 1),
            )  # fmt: skip
