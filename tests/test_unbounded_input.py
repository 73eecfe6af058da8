"""Unbounded input from a query string: dates far in the past or future, numbers too long for a
column. Each gets a page with a plain sentence (or the filter left out), never a 500 or a
two-minute query."""

import pytest

from config.bounds import query_id

pytestmark = pytest.mark.django_db

STAFF_PAGES = [
    ("/monitor/daily/", {"since": "0001-01-01"}),
    ("/monitor/daily/", {"until": "0001-01-01"}),
    ("/monitor/daily/", {"since": "9999-12-31"}),
    ("/monitor/daily/", {"until": "9999-12-31"}),
    ("/monitor/daily/", {"since": "2001-01-01"}),
    ("/monitor/sessions/", {"since": "9999-12-31"}),
    ("/monitor/sessions/", {"until": "9999-12-31"}),
    ("/monitor/sessions/", {"until": "0001-01-01"}),
    ("/monitor/pilot/", {"until": "9999-12-31"}),
    ("/monitor/pilot/", {"since": "0001-01-01"}),
    ("/monitor/export/daily.csv", {"since": "0001-01-01", "until": "9999-12-31"}),
    ("/monitor/export/sessions.json", {"since": "9999-12-31"}),
]


@pytest.mark.parametrize(("path", "query"), STAFF_PAGES)
def test_a_date_far_out_on_a_monitor_page_gets_an_answer_not_a_500(client, staff, path, query):
    client.force_login(staff)
    response = client.get(path, query)
    assert response.status_code == 200
    if path.startswith("/monitor/daily/"):
        assert len(response.context["days"]) <= 366


def test_a_daily_range_from_one_end_is_bounded_with_a_sentence(client, staff):
    client.force_login(staff)
    response = client.get("/monitor/daily/", {"since": "2001-01-01"})
    assert b"Choose at most a year." in response.content
    assert len(response.context["days"]) == 14
    response = client.get("/monitor/daily/", {"since": "0001-01-01"})
    assert b"Choose a date between 2000 and 2999" in response.content


TEACHER_QUERIES = [
    {"to": "9999-12-31"},
    {"from": "0001-01-01"},
    {"student": "9" * 29},
    {"student": "١٢"},  # Arabic-Indic digits: isdigit() says yes, the database says no
    {"from": "9999-12-31", "to": "9999-12-31", "student": "-1"},
]


@pytest.mark.parametrize("query", TEACHER_QUERIES)
def test_the_teachers_history_reads_odd_filters_safely(client, teacher, query):
    client.force_login(teacher)
    assert client.get("/teach/sessions/", query).status_code == 200


ADMIN_QUERIES = [
    ("/admin/sessions_app/practicesession/", {"started_at__year": "99999"}),
    (
        "/admin/sessions_app/practicesession/",
        {"started_at__year": "9999", "started_at__month": "12"},
    ),
    ("/admin/monitoring/errorevent/", {"created_at__year": "99999999999999999999"}),
    ("/admin/conversations/message/", {"timestamp__year": "0"}),
    ("/admin/monitoring/teacherfeedback/", {"created_at__year": "9999", "created_at__month": "12"}),
    ("/admin/sessions_app/practicesession/", {"started_at__gte": "99999-01-01"}),
]


@pytest.mark.parametrize(("path", "query"), ADMIN_QUERIES)
def test_a_huge_year_in_an_admin_date_filter_is_not_a_500(admin_client, path, query):
    assert admin_client.get(path, query).status_code in (200, 302)


def test_query_ids_are_parsed_within_bounds():
    assert query_id("42") == 42
    assert query_id("9" * 29) is None
    assert query_id("0") is None
    assert query_id("١٢") is None
