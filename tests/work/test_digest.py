"""The daily digest over SMTP: counts and a link only, never a name, a diagnosis or a
substance; once a day, from the worker."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from auth.models import User
from core.clock import centre_today, now
from core.extensions import db
from intake.clients.models import Client
from tests.factories import make_case
from tests.work import scenario
from tests.work.smtp_sink import smtp_sink
from work import digest, tasks

#: words a digest must never carry (substances, diagnoses, instruments, flag types).
FORBIDDEN = (
    "alcohol", "benzodiazepine", "diazepam", "opioid", "ciwa", "cows", "depression",
    "suicide", "withdrawal", "taper", "relapse", "diagnos",
)  # fmt: skip


def busy_counsellor(app, user_id):
    with app.app_context():
        case_id = make_case(user_id)
        client = db.session.get(Client, scenario.case_of(case_id).client_id)
        scenario.follow_up(case_id, user_id, centre_today() - timedelta(days=1))
        scenario.follow_up(case_id, user_id)
        scenario.score(case_id, hours_ago=5)
        scenario.note(case_id, user_id, now() - timedelta(days=2))
        scenario.urgent_flag(client.id)
        names = (client.first_name, client.last_name, client.mrn)
        db.session.commit()
    return names


def test_the_digest_carries_counts_and_a_link_only(app, clock, login_as, counsellor):
    idle = login_as("counsellor")  # nothing to do: no mail
    names = busy_counsellor(app, counsellor.user_id)

    with smtp_sink() as sink, app.app_context():
        sent = digest.send_digests(
            smtp_url=sink.url, sender="queue@centre.test", url="https://tc.example/"
        )

    assert sent == 1 and len(sink.messages) == 1
    sender, recipients, mail = sink.messages[0]
    with app.app_context():
        email = db.session.get(User, counsellor.user_id).email
        assert db.session.get(User, idle.user_id).email not in recipients
    assert (sender, recipients) == ("queue@centre.test", [email])
    assert mail["Subject"] == "Your work queue"
    body = mail.get_content()
    assert "- Follow-ups due: 2" in body
    assert "- Observations due: 1" in body
    assert "- Notes to sign: 1" in body
    assert "- Urgent flags to acknowledge: 1" in body
    assert "Overdue: 3" in body  # a follow-up, the check and the note; the flag is due now
    assert "https://tc.example/" in body
    text = (body + mail["Subject"]).lower()
    assert not [word for word in FORBIDDEN if word in text]
    assert not [name for name in names if name.lower() in text]


def test_the_worker_sends_the_digest_once_a_day_at_the_digest_hour(app, clock, counsellor):
    busy_counsellor(app, counsellor.user_id)
    zone = clock.zone
    day = now().astimezone(zone).date()
    with smtp_sink() as sink, app.app_context():
        app.config.update(SMTP_URL=sink.url, DIGEST_HOUR=7)
        tasks.huey.storage.flush_results()
        try:
            clock.set(datetime.combine(day, time(6, 0), tzinfo=zone))
            tasks.daily_digest()
            assert sink.messages == []  # not the hour
            clock.set(datetime.combine(day, time(7, 0), tzinfo=zone))
            tasks.daily_digest()
            tasks.daily_digest()  # repeated: nothing twice
            assert len(sink.messages) == 1
        finally:
            app.config.update(SMTP_URL=None, DIGEST_HOUR=7)


def test_without_smtp_url_no_digest_is_sent(app, counsellor):
    busy_counsellor(app, counsellor.user_id)
    with app.app_context():
        assert app.config["SMTP_URL"] is None
        assert tasks.send_digests_now() == 0
