"""Typing a turn as a student does: only once the page says it is connected (Send enabled).

Before the socket opens, Enter in the reply box has nowhere to send to; a test that typed then
raced the page's scripts (and on a slow machine lost the turn)."""

from __future__ import annotations

from playwright.sync_api import Page, expect


def send_turn(page: Page, text: str) -> None:
    expect(page.get_by_role("button", name="Send")).to_be_enabled()
    box = page.get_by_label("Your reply")
    box.fill(text)
    box.press("Enter")
