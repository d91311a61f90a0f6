"""Each route states how its client is found: a `client_id` in the path, or a
`core.audit.finds_client` query for the record in its path. The failed-request audit uses
it to list a refused request among the accesses to that client's record (exercised in
`test_audit.test_refused_request_on_a_case_names_the_client`)."""

from __future__ import annotations

import re

#: path parameters naming records of a client (rooms, beds, staff and sessions are not:
#: a session has many clients, and its routes audit the ones they show).
CLIENT_RECORD_PARAMS = {
    *("case_id", "note_id", "plan_id", "assessment_id", "flag_id", "follow_up_id"),
    *("consent_id", "grant_id"),
}


def _routes(app):
    for rule in app.url_map.iter_rules():
        params = set(re.findall(r"<int:(\w+)>", rule.rule))
        yield rule, params, app.view_functions[rule.endpoint]


def test_every_route_on_a_client_record_states_how_its_client_is_found(app):
    unstated = [
        rule.endpoint
        for rule, params, view in _routes(app)
        if params & CLIENT_RECORD_PARAMS
        and "client_id" not in params
        and getattr(view, "finds_client", None) is None
    ]
    assert unstated == []


def test_the_stated_parameter_is_in_the_path(app):
    for rule, params, view in _routes(app):
        found = getattr(view, "finds_client", None)
        if found is not None:
            assert found[0] in params, rule.endpoint
