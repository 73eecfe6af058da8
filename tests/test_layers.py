"""The import contracts of issue 12 (pyproject.toml, `lint-imports` in `make test`) can fail.

Each case adds one wrong import to the project's real import graph, as a new module would, and runs
the project's own contracts on it: the contract that forbids that import must break, naming it.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

WRONG_IMPORTS = {
    "layers": [
        ("accounts.layer_breaker", "monitoring.models"),
        ("sessions_app.layer_breaker", "reviews.services"),
    ],
    "llm-leaf": [
        ("conversations.llm.layer_breaker", "conversations.models"),
        ("conversations.llm.layer_breaker", "accounts.models"),
    ],
    "django-free": [
        ("conversations.llm.layer_breaker", "django.db.models"),
        ("clients.prompts.trust", "django.db"),
        ("clients.cards", "django.db.models"),
    ],
    "engine-no-monitoring": [("conversations.engine", "monitoring.logging")],
}
# Pages, admin and commands sit on top of their own app.
ALLOWED_IMPORTS = [
    (None, None),
    ("accounts.views", "monitoring.models"),
    ("clients.management.commands.layer_breaker", "reviews.models"),
]
CASES = [(contract, *pair) for contract, pairs in WRONG_IMPORTS.items() for pair in pairs] + [
    (None, *pair) for pair in ALLOWED_IMPORTS
]


@pytest.fixture(scope="module")
def reports() -> dict[tuple[str | None, str | None, str | None], str]:
    """lint-imports' report for each case, from one run of tests/import_probe.py."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, str(ROOT / "tests" / "import_probe.py"), json.dumps(CASES)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return dict(zip(CASES, json.loads(done.stdout), strict=True))


@pytest.mark.parametrize(
    ("contract", "importer", "imported"),
    [(contract, *pair) for contract, pairs in WRONG_IMPORTS.items() for pair in pairs],
)
def test_a_wrong_import_breaks_its_contract(reports, contract, importer, imported):
    report = reports[(contract, importer, imported)]

    assert f"{importer} -> {imported}" in report
    assert "Contracts: 0 kept, 1 broken." in report


@pytest.mark.parametrize(("importer", "imported"), ALLOWED_IMPORTS)
def test_the_project_and_its_pages_keep_the_contracts(reports, importer, imported):
    assert reports[(None, importer, imported)] == ""
