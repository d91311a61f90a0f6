"""Conditional writes name the version they were based on (API.md "Conventions"): 428
without `If-Match`, 428 for `If-Match: *` (it names no version, so it cannot prevent a lost
update), 412 for a tag that is not the record's current strong ETag."""

from __future__ import annotations

import pytest

STAFF = "/api/v1/staff"
CLIENTS = "/api/v1/clients"
NEW_CLIENT = {"first_name": "Ifa", "last_name": "Match", "date_of_birth": "1977-07-07"}


@pytest.fixture
def colleague(login_as):
    return login_as("counsellor").user_id


def patch(api, url, body, if_match=None):
    headers = {} if if_match is None else {"If-Match": if_match}
    return api.patch(url, json=body, headers=headers)


@pytest.mark.parametrize("if_match", ["*", " * ", "*, *", ""])
def test_star_or_empty_if_match_is_428_and_changes_nothing(admin, colleague, if_match):
    url = f"{STAFF}/{colleague}"
    before = admin.get(url).get_json()
    r = patch(admin, url, {"name": "Renamed"}, if_match)
    assert r.status_code == 428, r.get_json()
    assert "*" in r.get_json()["message"]
    assert admin.get(url).get_json() == before


def test_weak_or_other_tags_are_412(admin, colleague):
    url = f"{STAFF}/{colleague}"
    etag = admin.get(url).headers["ETag"]
    assert patch(admin, url, {"name": "X"}, f"W/{etag}").status_code == 412
    assert patch(admin, url, {"name": "X"}, '"users-1-v99"').status_code == 412


def test_the_current_etag_passes_also_in_a_list(admin, colleague):
    url = f"{STAFF}/{colleague}"
    etag = admin.get(url).headers["ETag"]
    r = patch(admin, url, {"name": "Renamed Once"}, f'"stale", {etag}')
    assert r.status_code == 200, r.get_json()
    assert patch(admin, url, {"name": "Renamed Twice"}, etag).status_code == 412  # now stale


def test_star_is_refused_on_client_records_too(login_as):
    intake = login_as("intake")
    created = intake.post(CLIENTS, json=NEW_CLIENT)
    url = f"{CLIENTS}/{created.get_json()['id']}"
    assert patch(intake, url, {"phone": "1"}, "*").status_code == 428
    assert patch(intake, url, {"phone": "1"}, created.headers["ETag"]).status_code == 200
