"""Screen 9, the bed board, through the Flask test client: units → rooms → beds with free,
occupied and out-of-service beds said in words; occupants hidden from a counsellor off their
caseload; the waitlist in admission order; admitting from the waitlist by hand (and its
refusals as words beside the field); discharging from the board with what became of the
freed bed; a bad address as a 422 naming the field; paging; and a pinned statement count that
does not grow with the beds on a page."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from cases.episodes.models import Bed, Case
from core.audit import AuditEvent
from core.clock import centre_today
from core.extensions import db
from intake.clients.models import Client
from tests.factories import make_bed, make_case, make_user, statements


@pytest.fixture
def counsellor(sign_in):
    return sign_in("counsellor", name="Cass Counsellor")


@pytest.fixture
def clinician(sign_in):
    return sign_in("clinician", name="Clem Clinician")


def inpatient(counsellor_id: int, bed_id: int | None, **kw) -> int:
    """An inpatient case: admitted into `bed_id`, or waitlisted when it is None."""
    case_id = make_case(counsellor_id, level="3.7")
    case = db.session.get(Case, case_id)
    case.setting = "inpatient"
    if bed_id is None:
        case.status = "waitlisted"
        case.waitlisted_at = kw.pop("waitlisted_at", datetime.now(UTC))
        case.requires_urgent_review = kw.pop("urgent", False)
    else:
        case.status, case.bed_id, case.admitted_at = "admitted", bed_id, datetime.now(UTC)
        case.admitted_at -= timedelta(days=2)
    db.session.flush()
    return case_id


def board(browser, url: str = "/beds") -> str:
    answer = browser.get(url)
    assert answer.status_code == 200, answer.get_data(as_text=True)[:1000]
    return answer.get_data(as_text=True)


def row(text: str, element_id: str) -> str:
    start = text.index(f'id="{element_id}"')
    return text[start : text.index("</tr>", start)]


def case_of(app, case_id: int) -> Case:
    with app.app_context():
        return db.session.get(Case, case_id)


@pytest.fixture
def ward(app, counsellor):
    """Unit Annex: room 1 with the counsellor's client in bed A, another caseload's client in
    bed B, bed C free; room 2 with bed D out of service."""
    with app.app_context():
        other = make_user("counsellor")
        beds = {label: make_bed("Annex", "1", label) for label in "ABC"}
        beds["D"] = make_bed("Annex", "2", "D")
        db.session.get(Bed, beds["D"]).active = False
        mine = inpatient(counsellor.user_id, beds["A"])
        theirs = inpatient(other, beds["B"])
        db.session.commit()
    return {"beds": beds, "mine": mine, "theirs": theirs, "other": other}


# --- the board --------------------------------------------------------------------------------


def test_a_counsellor_sees_only_their_own_occupant(app, counsellor, ward):
    text = board(counsellor)
    beds = ward["beds"]
    assert "Unit Annex" in text and "Room 1: 3 beds, 1 free" in text
    mine = row(text, f"bed-{beds['A']}")
    assert f"/cases/{ward['mine']}" in mine and "Occupied" in mine
    theirs = row(text, f"bed-{beds['B']}")
    assert "Occupied (not on your caseload)" in theirs
    assert str(ward["theirs"]) not in re.sub(r'id="bed-\d+"', "", theirs)
    assert f"/cases/{ward['theirs']}" not in text
    assert "Free" in row(text, f"bed-{beds['C']}")
    assert "Out of service" in row(text, f"bed-{beds['D']}")
    assert "Discharge case" not in text  # counsellors do not discharge
    with app.app_context():
        read = db.session.scalars(
            sa.select(AuditEvent.record_id).where(AuditEvent.action == "bed_board.read")
        ).all()
    assert ward["mine"] in read and ward["theirs"] not in read


def test_a_clinician_sees_every_occupant_and_the_discharge_links(clinician, ward):
    text = board(clinician)
    for key in ("mine", "theirs"):
        assert f'href="/beds/discharge/{ward[key]}"' in text
    assert "Occupied (not on your caseload)" not in text


def test_the_waitlist_is_in_admission_order_with_links_by_id(app, clinician, counsellor):
    early = datetime.now(UTC) - timedelta(days=3)
    with app.app_context():
        routine_first = inpatient(counsellor.user_id, None, waitlisted_at=early)
        urgent_later = inpatient(counsellor.user_id, None, urgent=True)
        db.session.commit()
    text = board(clinician)
    table = text[text.index('id="waitlist-table"') :]
    assert table.index(f"waiting-{urgent_later}") < table.index(f"waiting-{routine_first}")
    assert f'href="/cases/{urgent_later}"' in table and "Urgent review" in table
    assert "No bed is free" in table or "First free bed" in table


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("page=0", "page"),
        ("page=99999999999", "page"),
        ("per_page=1000", "per_page"),
        ("waitlist_page=x", "waitlist_page"),
        ("bed=abc&admitted=1", "bed"),
        ("colour=red", "colour"),
    ],
)
def test_a_bad_address_is_a_422_naming_the_field(counsellor, query, field):
    answer = counsellor.get(f"/beds?{query}")
    assert answer.status_code == 422
    assert f"{field}:" in answer.get_data(as_text=True)


def test_intake_and_managers_read_the_board_without_its_actions(sign_in, ward):
    for role in ("intake", "manager"):
        text = board(sign_in(role))
        assert f"/cases/{ward['theirs']}" in text  # not caseload-scoped
        assert "Discharge case" not in text and "Admit case" not in text


def test_the_board_pages_its_beds(app, counsellor):
    with app.app_context():
        ids = [make_bed("Annex", "1", f"P{n}") for n in range(5)]
        db.session.commit()
    first = board(counsellor, "/beds?per_page=3")
    assert f'id="bed-{ids[0]}"' in first and f'id="bed-{ids[4]}"' not in first
    assert "Next beds page" in first
    second = board(counsellor, "/beds?per_page=3&page=2")
    assert f'id="bed-{ids[4]}"' in second and "Previous beds page" in second


# --- admitting from the waitlist --------------------------------------------------------------


def test_a_clinician_admits_a_waitlisted_case_into_the_chosen_bed(app, clinician, counsellor, ward):
    with app.app_context():
        waiting = inpatient(counsellor.user_id, None)
        db.session.commit()
    free = ward["beds"]["C"]
    text = board(clinician)
    assert f'id="admit-{waiting}-bed_id"' in text
    done = clinician.post(f"/beds/admit/{waiting}", {"bed_id": str(free)})
    assert done.status_code == 303 and done.headers["Location"].endswith("#outcome")
    case = case_of(app, waiting)
    assert case.status.value == "admitted" and case.bed_id == free
    text = board(clinician, done.headers["Location"].split("#")[0])
    assert f"Case {waiting} was admitted from the waitlist" in text
    assert f"/cases/{waiting}" in row(text, f"bed-{free}")
    with app.app_context():
        event = db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == "case.admit_from_waitlist")
        ).one()
    assert event.record_id == waiting and event.detail["bed_id"] == free


def test_first_free_bed_when_none_is_chosen(app, clinician, counsellor, ward):
    with app.app_context():
        waiting = inpatient(counsellor.user_id, None)
        db.session.commit()
    assert clinician.post(f"/beds/admit/{waiting}", {"bed_id": ""}).status_code == 303
    assert case_of(app, waiting).bed_id == ward["beds"]["C"]


@pytest.mark.parametrize(
    ("bed", "status", "words"),
    [
        ("occupied", 409, "That bed is occupied."),
        ("out", 422, "No such bed in service."),
        ("abc", 422, "Not a valid integer."),
        ("99999999999", 422, ""),
        ("-1", 422, ""),
        ("999999", 422, "No such bed in service."),
    ],
)
def test_admission_refusals_are_words_beside_the_bed(
    app, clinician, counsellor, ward, bed, status, words
):
    with app.app_context():
        waiting = inpatient(counsellor.user_id, None)
        db.session.commit()
    chosen = {"occupied": ward["beds"]["A"], "out": ward["beds"]["D"]}.get(bed, bed)
    refused = clinician.post(f"/beds/admit/{waiting}", {"bed_id": str(chosen)})
    assert refused.status_code == status
    text = refused.get_data(as_text=True)
    assert f"Case {waiting} was not admitted." in text
    assert f'id="admit-{waiting}-bed_id-error">{words}' in text
    assert case_of(app, waiting).status.value == "waitlisted"


def test_no_free_bed_and_a_case_not_waiting_are_refused(app, clinician, counsellor, ward):
    with app.app_context():
        waiting = inpatient(counsellor.user_id, None)
        db.session.get(Bed, ward["beds"]["C"]).active = False
        db.session.commit()
    refused = clinician.post(f"/beds/admit/{waiting}", {})
    assert refused.status_code == 409
    assert "No bed is free" in refused.get_data(as_text=True)
    again = clinician.post(f"/beds/admit/{ward['mine']}", {})
    assert again.status_code == 409
    assert "Only a waitlisted case is admitted from here" in again.get_data(as_text=True)
    assert case_of(app, waiting).status.value == "waitlisted"


def test_only_clinicians_admit_and_hidden_cases_are_not_found(app, sign_in, counsellor, ward):
    with app.app_context():
        waiting = inpatient(ward["other"], None)
        db.session.commit()
    assert counsellor.post(f"/beds/admit/{waiting}", {}).status_code == 403
    assert sign_in("manager").post(f"/beds/admit/{waiting}", {}).status_code == 403
    assert case_of(app, waiting).status.value == "waitlisted"
    assert "Admit case" not in board(counsellor)
    assert sign_in("clinician").post("/beds/admit/999999", {}).status_code == 404


# --- discharging from the board ---------------------------------------------------------------


def discharge_body(app, reason: str = "transferred", when: str | None = None) -> dict[str, str]:
    with app.app_context():
        today = centre_today().isoformat()
    return {"reason": reason, "date": when or today, "summary": "Moved to another programme."}


def test_a_discharge_gives_the_bed_to_the_first_case_waiting(app, clinician, counsellor, ward):
    with app.app_context():
        waiting = inpatient(counsellor.user_id, None, urgent=True)
        db.session.commit()
    bed = ward["beds"]["A"]
    form = board(clinician, f"/beds/discharge/{ward['mine']}")
    assert f"case {waiting}</a> (urgent review)" in form
    done = clinician.post(f"/beds/discharge/{ward['mine']}", discharge_body(app))
    assert done.status_code == 303
    assert case_of(app, ward["mine"]).status.value == "discharged"
    assert case_of(app, waiting).bed_id == bed
    text = board(clinician, done.headers["Location"].split("#")[0])
    outcome = text[text.index('id="outcome"') :]
    assert f"Case {ward['mine']} was discharged." in outcome
    assert "given to the first case on the waitlist" in outcome and f"case {waiting}" in outcome
    assert f"/cases/{waiting}" in row(text, f"bed-{bed}")


def test_a_discharge_with_nobody_waiting_leaves_the_bed_free(app, clinician, ward):
    done = clinician.post(f"/beds/discharge/{ward['theirs']}", discharge_body(app))
    text = board(clinician, done.headers["Location"].split("#")[0])
    assert "is <strong>free</strong> now: nobody was waiting" in text
    assert "Free" in row(text, f"bed-{ward['beds']['B']}")


def test_discharge_refusals_are_beside_the_field_and_change_nothing(app, clinician, ward):
    future = clinician.post(
        f"/beds/discharge/{ward['mine']}", discharge_body(app, when="2200-01-01")
    )
    assert future.status_code == 422
    assert 'id="df-date-error"' in future.get_data(as_text=True)
    completed = clinician.post(f"/beds/discharge/{ward['mine']}", discharge_body(app, "completed"))
    assert completed.status_code == 409
    assert "an aftercare plan: none has been written" in completed.get_data(as_text=True)
    missing = clinician.post(f"/beds/discharge/{ward['mine']}", {"reason": "transferred"})
    assert missing.status_code == 422 and 'id="df-summary-error"' in missing.get_data(as_text=True)
    assert case_of(app, ward["mine"]).status.value == "admitted"


def test_the_discharge_page_names_the_client_in_its_body_only(app, clinician, ward):
    """The wrong person must not be discharged: the form says whose case it is (name, MRN,
    date of birth), in the page and never in its address or title."""
    with app.app_context():
        client = db.session.get(Client, db.session.get(Case, ward["mine"]).client_id)
        client.first_name, client.last_name = "Robin", "Ashdown"
        client_id, mrn, born = client.id, client.mrn, client.date_of_birth.isoformat()
        db.session.commit()
    text = board(clinician, f"/beds/discharge/{ward['mine']}")
    named = text[text.index('id="discharge-client"') :]
    named = named[: named.index("</p>")]
    assert "Robin Ashdown" in named and f"MRN {mrn}" in named and f"born {born}" in named
    title = text[text.index("<title>") : text.index("</title>")]
    assert "Robin" not in title and mrn not in title and born not in title
    with app.app_context():
        reads = db.session.scalars(
            sa.select(AuditEvent.action).where(AuditEvent.client_id == client_id)
        ).all()
    assert "client.read_for_case" in reads


def test_counsellors_may_not_discharge_from_the_board(counsellor, ward):
    assert counsellor.get(f"/beds/discharge/{ward['mine']}").status_code == 403


# --- statement count --------------------------------------------------------------------------


def fill_ward(app, counsellor_id: int, other_id: int, count: int) -> None:
    """`count` more beds in a new room: a third with a visible occupant, a third with a
    hidden one, the rest free; and a waitlisted case for each occupied bed."""
    with app.app_context():
        room = f"R{count}"
        for n in range(count):
            bed = make_bed("Annex", room, f"Q{n}")
            if n % 3 < 2:
                inpatient(counsellor_id if n % 3 == 0 else other_id, bed)
                inpatient(counsellor_id if n % 3 == 0 else other_id, None)
        db.session.commit()


#: The board's SQL statements for a signed-in user, whatever the number of beds on the page
#: (session and user, the beds' count and page with the caseload join, the waitlist's count,
#: page and related rows, the free beds for clinicians, the audit inserts, savepoints).
BOARD_STATEMENTS = {"counsellor": 11, "clinician": 12}


@pytest.mark.parametrize("role", ["counsellor", "clinician"])
def test_the_board_statement_count_does_not_grow_with_its_beds(app, sign_in, ward, role):
    browser = sign_in(role)
    me = browser.user_id if role == "counsellor" else ward["other"]
    fill_ward(app, me, ward["other"], 3)
    board(browser)  # warm up
    with statements(app) as few:
        board(browser)
    fill_ward(app, me, ward["other"], 15)
    with statements(app) as many:
        text = board(browser)
    assert text.count('<tr class="bed-') == 4 + 3 + 15
    assert len(many) == len(few), "\n".join(many)
    assert len(many) == BOARD_STATEMENTS[role], "\n".join(many)
