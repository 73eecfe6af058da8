"""Start-up with a malformed environment stops with a message naming the variable.

Each case starts a fresh interpreter: settings are read once per process.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parent.parent
# Variables the test runner may have set (the PostgreSQL + Redis run) and the cases set themselves.
CONTROLLED = (
    "DATABASE_URL",
    "REDIS_URL",
    "DJANGO_DEBUG",
    "DJANGO_SECRET_KEY",
    "DJANGO_ALLOWED_HOSTS",
    "TIME_ZONE",
    "LOG_LEVEL",
    "LIMIT_MESSAGES_PER_MINUTE",
    "LIMIT_SESSION_COST_USD",
    "PASSWORD_LINK_HOURS",
    "SESSION_IDLE_MINUTES",
    "DATABASE_POOL_MIN",
    "DATABASE_POOL_MAX",
    "DATABASE_POOL_TIMEOUT",
    "DATABASE_SERVER_SIDE_CURSORS",
)
POSTGRES = "postgres://rapport@db.example.edu/rapport"


def _run(*args: str, **environment: str) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items() if key not in CONTROLLED}
    env |= {"DJANGO_SETTINGS_MODULE": "config.settings", "PYTHONDONTWRITEBYTECODE": "1"}
    env |= environment
    return subprocess.run(
        [sys.executable, *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def _setup(**environment: str) -> subprocess.CompletedProcess:
    return _run("-c", "import django; django.setup()", **environment)


def test_the_defaults_start():
    result = _run("manage.py", "check")
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_a_production_environment_passes_the_deploy_checks():
    result = _run(
        "manage.py",
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY="k7#Qz-" + "x9Lp2mW4vR8tY1uB6nC3dF5gH0jK" * 2,
        DJANGO_ALLOWED_HOSTS="rapport.example.edu",
        DJANGO_CSRF_TRUSTED_ORIGINS="https://rapport.example.edu",
        DATABASE_URL="postgres://rapport@db.example.edu/rapport",
        REDIS_URL="redis://cache.example.edu:6379/0",
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    ("environment", "expected"),
    [
        ({"DJANGO_DEBUG": "maybe"}, "DJANGO_DEBUG must be true or false, not 'maybe'"),
        ({"LIMIT_MESSAGES_PER_MINUTE": "abc"}, "LIMIT_MESSAGES_PER_MINUTE must be a whole number"),
        ({"LIMIT_MESSAGES_PER_MINUTE": "0"}, "LIMIT_MESSAGES_PER_MINUTE must be at least 1"),
        ({"LIMIT_SESSION_COST_USD": "lots"}, "LIMIT_SESSION_COST_USD must be a decimal number"),
        ({"DATABASE_URL": "nonsense://x"}, "DATABASE_URL is not a database URL we understand"),
        ({"DATABASE_URL": "mysql://u@h/db"}, "DATABASE_URL must be a postgres:// or sqlite://"),
        ({"TIME_ZONE": "Mars/Base"}, "TIME_ZONE 'Mars/Base' is not a known time zone"),
        ({"REDIS_URL": "http://x"}, "REDIS_URL must start with redis://"),
        (
            {"DATABASE_URL": POSTGRES, "DATABASE_POOL_MAX": "lots"},
            "DATABASE_POOL_MAX must be a whole number, not 'lots'",
        ),
        (
            {"DATABASE_URL": POSTGRES, "DATABASE_POOL_MAX": "0"},
            "DATABASE_POOL_MAX must be at least 1",
        ),
        (
            {"DATABASE_URL": POSTGRES, "DATABASE_POOL_MIN": "12"},
            "DATABASE_POOL_MIN (12) must not be more than DATABASE_POOL_MAX (10)",
        ),
        (
            {"DATABASE_URL": POSTGRES, "DATABASE_POOL_TIMEOUT": "soon"},
            "DATABASE_POOL_TIMEOUT must be a number, not 'soon'",
        ),
        ({"LOG_LEVEL": "LOUD"}, "LOG_LEVEL must be one of"),
        ({"DJANGO_DEBUG": "false"}, "DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off"),
    ],
    ids=lambda value: str(value) if isinstance(value, dict) else "",
)
def test_a_malformed_value_stops_start_up_naming_the_variable(environment, expected):
    result = _setup(**environment)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert expected in result.stderr


def test_manage_py_stops_too():
    result = _run("manage.py", "check", DJANGO_DEBUG="maybe")
    assert result.returncode != 0
    assert "DJANGO_DEBUG must be true or false" in result.stderr


def test_production_settings_follow_the_environment():
    script = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.DEBUG, s.SESSION_COOKIE_SECURE, s.ALLOWED_HOSTS, s.TIME_ZONE, "
        "s.DATABASES['default']['ENGINE'], s.CACHES['default']['BACKEND'], s.LOG_LEVEL)"
    )
    result = _run(
        "-c",
        script,
        DJANGO_DEBUG="off",
        DJANGO_SECRET_KEY="a-secret",
        DJANGO_ALLOWED_HOSTS="a.example, b.example",
        TIME_ZONE="Europe/Amsterdam",
        DATABASE_URL="postgres://rapport@db.example.edu/rapport",
        REDIS_URL="redis://cache.example.edu:6379/0",
        LOG_LEVEL="warning",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split(maxsplit=2)[:2] == ["False", "True"]
    assert "['a.example', 'b.example']" in result.stdout
    assert "Europe/Amsterdam django.db.backends.postgresql" in result.stdout
    assert "django_redis.cache.RedisCache WARNING" in result.stdout


def test_postgresql_goes_through_a_bounded_pool_sized_from_the_environment():
    script = (
        "import django; django.setup(); from django.conf import settings as s; "
        "d = s.DATABASES['default']; "
        "print(d['CONN_MAX_AGE'], d['DISABLE_SERVER_SIDE_CURSORS'], d['OPTIONS']['pool'])"
    )
    defaults = _run("-c", script, DATABASE_URL=POSTGRES)
    assert defaults.returncode == 0, defaults.stderr
    assert defaults.stdout.strip() == (
        "0 False {'min_size': 2, 'max_size': 10, 'timeout': 30.0, 'name': 'rapport'}"
    )
    sized = _run(
        "-c",
        script,
        DATABASE_URL=POSTGRES,
        DATABASE_POOL_MIN="0",
        DATABASE_POOL_MAX="4",
        DATABASE_POOL_TIMEOUT="2.5",
        DATABASE_SERVER_SIDE_CURSORS="false",
    )
    assert sized.returncode == 0, sized.stderr
    assert sized.stdout.startswith("0 True ")
    assert "'min_size': 0, 'max_size': 4, 'timeout': 2.5" in sized.stdout


def test_sqlite_has_no_pool():
    script = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print('pool' in s.DATABASES['default']['OPTIONS'])"
    )
    result = _run("-c", script)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"
