"""`{{ amount|usd }}` on every page: the template face of sessions_app.money.usd.

Registered as a builtin in settings.TEMPLATES, so no template needs `{% load money %}` and no
page can format money any other way by accident."""

from django import template

from sessions_app import money

register = template.Library()
register.filter("usd", money.usd)
