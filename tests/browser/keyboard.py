"""Filling forms in the browser from the keyboard alone: Tab to each control (proving it can
be reached), type into text fields, Space for checkboxes, arrow keys for radio groups and
selects, Enter on the button. Data is the web tests' shape: ``{name: value}``, with
``["", value]`` for a ticked checkbox."""

from __future__ import annotations

from typing import Any

MAX_TABS = 600


def _active(page: Any) -> dict[str, str]:
    return page.evaluate(
        "() => { const e = document.activeElement;"
        " return {name: e.name || '', value: e.value || '', type: e.type || '',"
        " tag: e.tagName, text: (e.innerText || '').trim()}; }"
    )


def tab_to(page: Any, matches: Any) -> dict[str, str]:
    """Press Tab until the focused element satisfies `matches`; fail if it never does."""
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        active = _active(page)
        if matches(active):
            return active
    raise AssertionError("not reachable with the keyboard")


def _radio(page: Any, name: str, value: str) -> None:
    tab_to(page, lambda a: a["name"] == name and a["type"] == "radio")
    for _ in range(20):
        if _active(page)["value"] == value:
            page.keyboard.press("Space")
            return
        page.keyboard.press("ArrowDown")
    raise AssertionError(f"{name}={value} not among the radios")


def _select(page: Any, name: str, value: str) -> None:
    tab_to(page, lambda a: a["name"] == name)
    for key in ["Home"] + ["ArrowDown"] * 40:
        page.keyboard.press(key)
        if _active(page)["value"] == value:
            return
    raise AssertionError(f"{name}={value} not among the options")


def _checkbox(page: Any, name: str, value: str) -> None:
    tab_to(page, lambda a: a["name"] == name and a["type"] == "checkbox" and a["value"] == value)
    checked = page.evaluate("() => document.activeElement.checked")
    if not checked:
        page.keyboard.press("Space")


def _text(page: Any, name: str, value: str) -> None:
    tab_to(page, lambda a: a["name"] == name)
    page.keyboard.press("Control+A")
    page.keyboard.type(value)


def fill(page: Any, data: dict[str, Any]) -> None:
    """Set every field of `data`, in the order the page's tab sequence reaches them."""
    for name, value in data.items():
        kind = page.locator(f'[name="{name}"]').first.evaluate(
            "e => e.tagName === 'SELECT' ? 'select' : (e.type || 'text')"
        )
        if isinstance(value, list):
            _checkbox(page, name, value[-1])
        elif kind == "radio":
            _radio(page, name, value)
        elif kind == "select":
            _select(page, name, value)
        elif kind != "hidden":
            _text(page, name, value)


def press_button(page: Any, label: str) -> None:
    tab_to(page, lambda a: a["tag"] == "BUTTON" and a["text"] == label)
    page.keyboard.press("Enter")
