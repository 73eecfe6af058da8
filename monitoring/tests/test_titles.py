"""The browser tab of every staff page names the page, and nothing else."""

import re

import pytest

from monitoring.tests.helpers import reply

TITLE = re.compile(r"<title>(.*?)</title>", re.DOTALL)


def _pages(session_id) -> list[str]:
    return [
        "/monitor/",
        "/monitor/errors/",
        "/monitor/sessions/",
        f"/monitor/sessions/{session_id}/",
        "/monitor/daily/",
        "/monitor/pilot/",
        "/monitor/feedback/",
        "/monitor/quality/",
    ]


@pytest.mark.parametrize("index", range(8))
def test_every_monitor_page_has_a_plain_text_title_without_tags(
    index, client, staff, practice_session
):
    reply(practice_session)
    client.force_login(staff)
    path = _pages(practice_session.pk)[index]
    head = client.get(path).content.decode().split("</head>", 1)[0]
    titles = TITLE.findall(head)
    assert len(titles) == 1, path
    title = titles[0]
    assert "<" not in title and ">" not in title, f"{path}: {title!r}"
    assert "\n" not in title.strip(), f"{path}: {title!r}"
    assert title.endswith(" · Rapport"), f"{path}: {title!r}"
