"""Charts on the staff pages: the daily page's four, the dashboard's minutes with a time axis."""

import datetime
import re

from django.utils import timezone

from conversations.models import Message
from monitoring.charts import bar_chart, nice_ceiling
from monitoring.selectors import daily_metrics, percentile
from monitoring.tests.helpers import reply

DAILY = "/monitor/daily/"
LIVE = "/monitor/live/"


def _figures(body: str) -> dict[str, str]:
    return dict(re.findall(r'<figure class="chart" id="chart-([\w-]+)">(.*?)</figure>', body, re.S))


def test_the_daily_page_shows_sessions_messages_cost_and_first_token_p95_as_charts_above_the_table(
    client, staff, practice_session
):
    reply(practice_session, cost="0.0042", first_token_ms=700)
    client.force_login(staff)
    body = client.get(DAILY).content.decode()
    figures = _figures(body)
    assert list(figures) == ["sessions", "messages", "cost", "first-token"]
    for key, figure in figures.items():
        assert 'role="img"' in figure
        assert f'aria-labelledby="chart-{key}-title chart-{key}-desc"' in figure
        assert f'<desc id="chart-{key}-desc">' in figure
        assert figure.count('class="chart-bar"') == 1, key  # today's bar; other days are zero
        assert 'text-anchor="middle"' in figure  # the day labels under the bars
    today = timezone.localdate()
    assert f"{today:%b} {today.day}</text>" in figures["sessions"]
    assert f"{today:%a %Y-%m-%d}: $0.004200</title>" in figures["cost"]
    assert f"{today:%a %Y-%m-%d}: 0.70 s</title>" in figures["first-token"]
    assert body.index('id="chart-first-token"') < body.index('<table class="data">')
    main = body.split('<main id="main"', 1)[1]
    assert "<script" not in main and "style=" not in main  # the CSP stays strict


def test_first_token_p95_per_day_is_the_nearest_rank_of_that_days_replies(practice_session):
    times = [100 * n for n in range(1, 21)]  # 0.1 s .. 2.0 s
    for ms in times:
        reply(practice_session, first_token_ms=ms)
    yesterday = timezone.now() - datetime.timedelta(days=1)
    old = reply(practice_session, first_token_ms=9000)
    Message.objects.filter(pk=old.pk).update(timestamp=yesterday)
    today = timezone.localdate()
    days = daily_metrics(since=today - datetime.timedelta(days=2), until=today)
    by_day = {day.day: day.first_token_p95_ms for day in days}
    assert by_day[today] == percentile(times, 0.95) == 1900
    assert by_day[timezone.localtime(yesterday).date()] == 9000
    assert by_day[today - datetime.timedelta(days=2)] is None


def test_a_day_without_replies_draws_no_bar_and_says_no_data():
    chart = bar_chart(
        [("Dec 1", "Mon 2026-12-01", None), ("Dec 2", "Tue 2026-12-02", 3)],
        key="k",
        title="T",
        description="D",
        fmt=str,
    )
    assert chart.bars[0].height == 0 and chart.bars[0].label == "Mon 2026-12-01: no data"
    assert chart.bars[1].height > 0
    assert [tick.label for tick in chart.y_ticks] == ["0", "2.5", "5"]


def test_the_value_axis_ends_on_a_round_number():
    assert [nice_ceiling(v) for v in (0, 3, 7, 12, 0.00042, 1500)] == [1, 5, 10, 20, 0.0005, 2000]


def test_the_dashboards_minute_chart_has_a_time_axis_and_labels(client, staff, practice_session):
    reply(practice_session)
    client.force_login(staff)
    body = client.get(LIVE).content.decode()
    figure = _figures(body)["minutes"]
    now = timezone.localtime()
    quarter_ago = now - datetime.timedelta(minutes=15)
    for moment in (now, quarter_ago):
        assert f'text-anchor="middle">{moment:%H:%M}</text>' in figure
    assert figure.count('text-anchor="middle"') == 4  # every 15 minutes, now on the right
    assert 'text-anchor="end"' in figure  # the value axis: 0, half, top
    assert "Messages per minute, last 60 minutes" in figure
    assert "now on the right" in figure


def test_an_empty_chart_says_no_data_yet_instead_of_an_axis_of_zeros(client, staff, db):
    client.force_login(staff)
    body = client.get(DAILY).content.decode()
    figure = _figures(body)["first-token"]
    assert "No data yet" in figure
    assert "0.00 s</text>" not in figure
