"""Screen 7, the case page, through the Flask test client: header and timeline, notes
(write, sign, DAP, addenda), the treatment plan (save, edit, a stale version), level change,
reassignment, discharge (refused without an agreed plan, then done with its follow-ups),
caseload filtering, CSRF, what each role is offered, and a query count that does not grow
with the number of notes."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime

import pytest

from cases.episodes.models import Case
from cases.notes.models import Note, NoteAddendum, NoteKind
from core.audit import AuditEvent
from core.clock import centre_today
from core.extensions import db
from tests.factories import make_case, make_client, make_user, statements


@pytest.fixture
def counsellor(sign_in):
    return sign_in("counsellor", name="Cass Counsellor")


@pytest.fixture
def clinician(sign_in):
    return sign_in("clinician", name="Clem Clinician")


@pytest.fixture
def case_id(app, counsellor):
    with app.app_context():
        found = make_case(counsellor.user_id)
        db.session.commit()
    return found


def page_of(browser, case_id: int) -> str:
    answer = browser.get(f"/cases/{case_id}")
    assert answer.status_code == 200, answer.get_data(as_text=True)[:1000]
    return answer.get_data(as_text=True)


def note_ids(app, case_id: int) -> list[int]:
    with app.app_context():
        return list(
            db.session.scalars(db.select(Note.id).where(Note.case_id == case_id).order_by(Note.id))
        )


def hidden_version(text: str, form_id: str) -> str:
    form = text[text.index(f'id="{form_id}"') :]
    return html.unescape(re.search(r'name="version" value="([^"]*)"', form).group(1))


# --- the page ---------------------------------------------------------------------------------


def test_the_header_and_timeline(app, counsellor, case_id):
    text = page_of(counsellor, case_id)
    assert f"Case {case_id}" in text and "Cass Counsellor" in text
    assert "Level 1 — outpatient" in text and "MRN T" in text
    assert "Case opened at level 1" in text
    title = re.search(r"<title>(.*?)</title>", text, re.S).group(1)
    assert "Test" not in title and "Client" not in title
    assert "<script>" not in text and "onclick" not in text
    assert 'id="taper"' in text and 'id="withdrawal"' in text
    assert f'href="/cases/{case_id}/aftercare"' in text
    assert "follows <a" not in text  # a first episode follows none


def test_a_counsellor_on_another_caseload_gets_the_unknown_id_page(app, sign_in, case_id):
    stranger = sign_in("counsellor")
    other = stranger.get(f"/cases/{case_id}")
    missing = stranger.get("/cases/999999")
    assert other.status_code == missing.status_code == 404
    assert other.get_data() == missing.get_data()
    refused = stranger.post(f"/cases/{case_id}/notes", {"kind": "progress", "body.text": "x"})
    assert refused.status_code == 404
    assert note_ids(app, case_id) == []


def test_each_role_is_offered_only_its_forms(app, sign_in, counsellor, case_id):
    mine = page_of(counsellor, case_id)
    assert 'id="note-form"' in mine and 'id="plan-form"' in mine
    assert "Change the level" not in mine and "Reassign" not in mine
    assert "/discharge" not in mine
    manager = page_of(sign_in("manager"), case_id)
    assert 'id="notes"' in manager and 'id="note-form"' not in manager
    assert "Reassign the primary counsellor" in manager and "Change the level" not in manager
    intake = page_of(sign_in("intake"), case_id)
    assert 'id="notes"' not in intake and 'id="plan"' not in intake
    assert 'id="timeline"' in intake
    clinician = page_of(sign_in("clinician"), case_id)
    assert "Change the level" in clinician and 'id="df-reason"' in clinician
    assert counsellor.post(f"/cases/{case_id}/level", {"level": "2.1"}).status_code == 403


def test_a_post_without_the_csrf_token_is_refused(app, counsellor, case_id):
    answer = counsellor.http.post(
        f"/cases/{case_id}/notes", data={"kind": "progress", "body.text": "No token"}
    )
    assert answer.status_code == 403
    assert note_ids(app, case_id) == []


# --- notes ------------------------------------------------------------------------------------


def test_a_progress_note_written_then_signed(app, counsellor, case_id):
    draft = counsellor.post(
        f"/cases/{case_id}/notes",
        {"kind": "progress", "body.text": "Cravings lower.\nSlept well.", "then": "draft"},
    )
    assert draft.status_code == 303
    (note_id,) = note_ids(app, case_id)
    assert draft.headers["Location"] == f"/cases/{case_id}#note-{note_id}"
    text = page_of(counsellor, case_id)
    assert "Cravings lower.<br>Slept well." in text and "<strong>Draft</strong>" in text
    version = hidden_version(text, f"note-{note_id}")
    signed = counsellor.post(f"/notes/{note_id}/sign", {"version": version})
    assert signed.status_code == 303
    text = page_of(counsellor, case_id)
    assert "Progress note signed by Cass Counsellor" in text
    again = counsellor.post(f"/notes/{note_id}/sign")
    assert again.status_code == 409 and "signed and locked" in again.get_data(as_text=True)


def test_save_and_sign_in_one_step_and_an_empty_note_is_refused(app, counsellor, case_id):
    empty = counsellor.post(f"/cases/{case_id}/notes", {"kind": "group", "body.text": " "})
    assert empty.status_code == 422
    assert 'id="nf-body.text-error"' in empty.get_data(as_text=True)
    with app.app_context():
        client_id = db.session.get(Case, case_id).client_id
        refusal = db.session.scalars(
            db.select(AuditEvent).where(AuditEvent.action == "web.cases.create_note")
        ).one()
        assert (refusal.outcome, refusal.client_id) == ("422", client_id)
    done = counsellor.post(
        f"/cases/{case_id}/notes",
        {"kind": "group", "body.text": "Triggers group.", "then": "sign"},
    )
    assert done.status_code == 303
    with app.app_context():
        note = db.session.get(Note, note_ids(app, case_id)[0])
        assert note.signed_at is not None and note.kind is NoteKind.GROUP


def test_a_dap_note_names_its_missing_part(app, counsellor, case_id):
    form = counsellor.get(f"/cases/{case_id}?write=dap").get_data(as_text=True)
    assert 'for="nf-body.data"' in form and 'for="nf-body.plan"' in form
    body = {"kind": "dap", "body.data": "Slept 6 hours.", "body.assessment": "Stable."}
    refused = counsellor.post(f"/cases/{case_id}/notes", body)
    assert refused.status_code == 422
    text = refused.get_data(as_text=True)
    assert 'id="nf-body.plan-error"' in text and "Slept 6 hours." in text  # kept
    assert 'name="kind" value="dap"' in text
    done = counsellor.post(f"/cases/{case_id}/notes", {**body, "body.plan": "Continue."})
    assert done.status_code == 303
    text = page_of(counsellor, case_id)
    assert "<dt>Data</dt><dd>Slept 6 hours.</dd>" in text and "DAP note" in text


def test_an_addendum_on_a_signed_note(app, counsellor, clinician, case_id):
    counsellor.post(f"/cases/{case_id}/notes", {"kind": "progress", "body.text": "First."})
    (note_id,) = note_ids(app, case_id)
    early = counsellor.post(f"/notes/{note_id}/addenda", {"text": "Too soon."})
    assert early.status_code == 409 and "edit the draft" in early.get_data(as_text=True)
    cosigned = clinician.post(f"/notes/{note_id}/sign")
    assert cosigned.status_code == 303
    empty = counsellor.post(f"/notes/{note_id}/addenda", {"text": ""})
    assert empty.status_code == 422 and f'id="af{note_id}-text-error"' in empty.get_data(
        as_text=True
    )
    added = counsellor.post(f"/notes/{note_id}/addenda", {"text": "Called the family."})
    assert added.status_code == 303
    text = page_of(counsellor, case_id)
    assert "Called the family." in text and "(co-signed)" in text


def test_a_draft_is_edited_by_its_author_and_another_counsellor_may_not_sign(
    app, sign_in, counsellor, case_id
):
    counsellor.post(f"/cases/{case_id}/notes", {"kind": "progress", "body.text": "Draft one."})
    (note_id,) = note_ids(app, case_id)
    version = hidden_version(page_of(counsellor, case_id), f"note-{note_id}")
    edited = counsellor.post(f"/notes/{note_id}", {"version": version, "body.text": "Draft two."})
    assert edited.status_code == 303
    stale = counsellor.post(f"/notes/{note_id}", {"version": version, "body.text": "Three."})
    assert stale.status_code == 412 and "another window" in stale.get_data(as_text=True)
    colleague = sign_in("counsellor")
    with app.app_context():
        from tests.factories import add_to_caseload

        add_to_caseload(colleague.user_id, db.session.get(Case, case_id).client_id, case_id)
        db.session.commit()
    text = page_of(colleague, case_id)
    assert "Draft two." in text and "Sign this note" not in text
    refused = colleague.post(f"/notes/{note_id}/sign")
    assert refused.status_code == 403 and "author or a clinician" in refused.get_data(as_text=True)


# --- treatment plan ---------------------------------------------------------------------------


def plan_form(review: str = "2027-01-10", target: str = "2027-02-01") -> dict[str, str]:
    goal = "problems.0.goals.0"
    return {
        "problems.0.description": "Daily alcohol use",
        f"{goal}.description": "Thirty days abstinent",
        f"{goal}.review_date": review,
        f"{goal}.target_date": target,
        f"{goal}.interventions.0.type": "cbt",
        f"{goal}.interventions.0.frequency": "weekly",
        f"{goal}.interventions.0.description": "",
        # the editor's empty rows, posted as they are
        f"{goal}.interventions.1.type": "",
        "problems.0.goals.1.description": "",
        "problems.1.description": "",
    }


def test_a_treatment_plan_saved_edited_and_refused_when_stale(app, counsellor, case_id):
    text = page_of(counsellor, case_id)
    assert "No treatment plan yet." in text and hidden_version(text, "plan-form") == ""
    saved = counsellor.post(f"/cases/{case_id}/treatment-plan", {**plan_form(), "version": ""})
    assert saved.status_code == 303 and saved.headers["Location"].endswith("#plan")
    text = page_of(counsellor, case_id)
    assert "Daily alcohol use" in text and "CBT, weekly" in text and "1 saved version" in text
    first = hidden_version(text, "plan-form")
    edited = counsellor.post(
        f"/cases/{case_id}/treatment-plan",
        {**plan_form(), "problems.0.description": "Daily alcohol use, evenings", "version": first},
    )
    assert edited.status_code == 303
    assert "2 saved versions" in page_of(counsellor, case_id)
    stale = counsellor.post(
        f"/cases/{case_id}/treatment-plan",
        {**plan_form(), "problems.0.description": "My stale edit", "version": first},
    )
    assert stale.status_code == 412
    text = stale.get_data(as_text=True)
    assert "Someone else saved this treatment plan" in text
    assert "Daily alcohol use, evenings" in text  # their plan, shown
    assert "My stale edit" in text  # my text, kept in the form
    assert "2 saved versions" in text


def test_plan_errors_land_beside_their_field_after_empty_rows(app, counsellor, case_id):
    goal = "problems.1.goals.0"
    refused = counsellor.post(
        f"/cases/{case_id}/treatment-plan",
        {
            "version": "",
            "problems.0.description": "",  # an emptied row before the one with the error
            "problems.1.description": "Cannabis daily",
            f"{goal}.description": "Cut down",
            f"{goal}.review_date": "2027-03-01",
            f"{goal}.target_date": "2027-02-01",
            f"{goal}.interventions.0.type": "group",
            "problems.1.goals.1.description": "Sleep better",
            "problems.1.goals.1.review_date": "2027-01-01",
            "problems.1.goals.1.target_date": "2027-02-01",
        },
    )
    assert refused.status_code == 422
    text = refused.get_data(as_text=True)
    # renumbered: the problem is now the first row, its errors with it
    review = re.search(r'id="pf-problems.0.goals.0.review_date-error">([^<]+)<', text)
    assert review and "on or before target_date" in review.group(1)
    assert 'id="pf-problems.0.goals.1.interventions-error"' in text
    assert "Problem 1, goal 1: review date" in text
    assert re.search(r'name="problems.0.description"[^>]*>Cannabis daily</textarea>', text)


# --- level, counsellor, discharge -------------------------------------------------------------


def test_a_level_change_needs_a_reason_and_is_kept_in_the_history(app, clinician, case_id):
    text = page_of(clinician, case_id)
    version = hidden_version(text, "levels")
    refused = clinician.post(f"/cases/{case_id}/level", {"version": version, "level": "2.1"})
    assert refused.status_code == 422
    assert 'id="lf-change_reason-error"' in refused.get_data(as_text=True)
    changed = clinician.post(
        f"/cases/{case_id}/level",
        {"version": version, "level": "2.1", "change_reason": "Missed sessions"},
    )
    assert changed.status_code == 303
    text = page_of(clinician, case_id)
    assert "Level changed from 1 to 2.1 by Clem Clinician" in text
    assert "<td>Missed sessions</td>" in text
    stale = clinician.post(
        f"/cases/{case_id}/level",
        {"version": version, "level": "1", "change_reason": "Doing well"},
    )
    assert stale.status_code == 412 and "changed by someone else" in stale.get_data(as_text=True)


def test_reassigning_the_counsellor(app, sign_in, counsellor, case_id):
    manager = sign_in("manager")
    with app.app_context():
        new_id = make_user("counsellor", name="Nia Newcounsellor")
        db.session.commit()
    text = page_of(manager, case_id)
    version = hidden_version(text, "counsellor")
    assert "Nia Newcounsellor" in text
    moved = manager.post(
        f"/cases/{case_id}/counsellor", {"version": version, "primary_counsellor_id": str(new_id)}
    )
    assert moved.status_code == 303
    with app.app_context():
        assert db.session.get(Case, case_id).primary_counsellor_id == new_id
    assert counsellor.get(f"/cases/{case_id}").status_code == 404  # off their caseload


def test_discharge_refused_without_an_agreed_plan_then_done_with_follow_ups(
    app, clinician, case_id
):
    with app.app_context():
        today = centre_today().isoformat()
    body = {"date": today, "summary": "Finished the programme."}
    refused = clinician.post(f"/cases/{case_id}/discharge", {**body, "reason": "completed"})
    assert refused.status_code == 409
    text = refused.get_data(as_text=True)
    assert 'id="discharge-refused"' in text
    assert "an aftercare plan: none has been written for this case yet" in text
    with app.app_context():
        assert db.session.get(Case, case_id).status.value == "active"
    done = clinician.post(f"/cases/{case_id}/discharge", {**body, "reason": "transferred"})
    assert done.status_code == 303 and done.headers["Location"].endswith("#discharge")
    text = page_of(clinician, case_id)
    assert 'id="discharged"' in text and "(Transferred)" in text
    follow_ups = text[text.index('id="follow-ups"') :]
    for days in (7, 30, 90):
        assert f"<td>{days} days</td>" in follow_ups
    assert "Cass Counsellor" in follow_ups
    assert 'id="df-reason"' not in text  # no second discharge offered


def test_a_discharge_date_in_the_future_is_beside_the_field(app, clinician, case_id):
    refused = clinician.post(
        f"/cases/{case_id}/discharge",
        {"reason": "administrative", "date": "2200-01-01", "summary": "x"},
    )
    assert refused.status_code == 422
    assert 'id="df-date-error"' in refused.get_data(as_text=True)


# --- query count ------------------------------------------------------------------------------


def add_notes(app, case_id: int, author_id: int, count: int) -> None:
    with app.app_context():
        for n in range(count):
            signed = n % 2 == 0
            note = Note(
                case_id=case_id,
                kind=NoteKind.SOAP if n % 3 else NoteKind.PROGRESS,
                body={"text": f"note {n}"}
                if n % 3 == 0
                else {"subjective": "s", "objective": "o", "assessment": "a", "plan": "p"},
                author_id=author_id,
                signed_at=datetime.now(UTC) if signed else None,
                signed_by_id=author_id if signed else None,
            )
            db.session.add(note)
            db.session.flush()
            if signed:
                db.session.add(NoteAddendum(note_id=note.id, text="later", author_id=author_id))
        db.session.commit()


def test_the_case_page_query_count_does_not_grow_with_its_notes(
    app, sign_in, counsellor, clinician, case_id
):
    with app.app_context():
        other_author = make_user("counsellor")
        make_client()
        db.session.commit()
    add_notes(app, case_id, counsellor.user_id, 2)
    page_of(clinician, case_id)  # warm up
    with statements(app) as few:
        page_of(clinician, case_id)
    add_notes(app, case_id, other_author, 8)
    with statements(app) as many:
        text = page_of(clinician, case_id)
    assert text.count('class="card" aria-labelledby="note-') == 10
    assert len(many) == len(few), "\n".join(many)
