"""Screen 12 in Chromium: an admin creates an account (the temporary password shown once),
deactivates it, and is refused deactivating a counsellor with open cases (the cases are
listed); a manager filters the audit trail, and a bad filter names its field — axe-core on
every screen."""

from __future__ import annotations

import re
import secrets

from tests.browser.conftest import axe_check, csp_clean, sign_in


def test_an_admin_creates_an_account_and_deactivates_one(page):
    sign_in(page, "admin@demo.centre")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Staff").click()
    page.wait_for_url(re.compile(r"/admin/staff$"))
    assert "Colm Counsellor" in page.locator("#staff-list").inner_text()
    axe_check(page)

    page.get_by_role("link", name="New staff account").click()
    axe_check(page)
    email = f"nia.{secrets.token_hex(4)}@example.org"
    page.get_by_label("Name").fill("Nia Newcomer")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Role").select_option("intake")
    page.get_by_role("button", name="Create the account").click()
    assert "Account created" in page.locator("h1").inner_text()
    assert len(page.locator("#temporary-password").inner_text()) >= 12
    axe_check(page)

    page.get_by_role("link", name="The account").click()
    page.wait_for_url(re.compile(r"/admin/staff/\d+$"))
    axe_check(page)
    page.get_by_role("button", name="Deactivate the account").click()
    page.wait_for_url(re.compile(r"/admin/staff/\d+#status$"))
    assert "deactivated" in page.locator(".facts").inner_text()
    assert page.get_by_role("button", name="Reactivate the account").is_visible()

    page.goto("/admin/staff?active=false")
    assert "Nia Newcomer" in page.locator("#staff-list").inner_text()
    axe_check(page)
    csp_clean(page)


def test_deactivating_a_counsellor_with_open_cases_lists_them(page):
    sign_in(page, "admin@demo.centre")
    page.goto("/admin/staff?role=counsellor")
    page.get_by_role("link", name="Colm Counsellor").click()
    page.get_by_role("button", name="Deactivate the account").click()
    refused = page.locator("#open-cases")
    assert "Reassign" in refused.inner_text()
    assert refused.locator("li").count() >= 1
    assert "active" in page.locator(".facts").inner_text()
    axe_check(page)


def test_a_manager_filters_the_audit_trail(page):
    sign_in(page, "manager@demo.centre")
    page.get_by_role("link", name="Audit trail").click()
    page.wait_for_url(re.compile(r"/admin/audit"))
    axe_check(page)

    assert page.get_by_label("User", exact=True).locator("option").first.inner_text() == "Anyone"
    page.get_by_label("User", exact=True).select_option(label="Max Manager (manager@demo.centre)")
    page.get_by_label("Action").select_option("auth.login")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url(re.compile(r"action=auth.login"))
    actions = page.locator("#audit-events tbody td:nth-child(3)").all_inner_texts()
    assert actions and set(actions) == {"auth.login"}
    users = page.locator("#audit-events tbody td:nth-child(2)").all_inner_texts()
    assert {" ".join(u.split()) for u in users} == {"Max Manager manager@demo.centre"}
    axe_check(page)

    page.get_by_label("Client record (id)").fill("abc")
    page.get_by_role("button", name="Filter").click()
    assert page.locator("#client_id-error").is_visible()
    assert "client id" in page.locator("#error-summary").inner_text()
    axe_check(page)
    csp_clean(page)
