"""axe-core in a Playwright page: `assert_accessible(page)` fails on serious or critical issues.

axe-core (MPL-2.0) is vendored in tests/browser/vendor/ for the tests only: the app never serves
it, and the tests never fetch it. Update: `npm pack axe-core@4` in /tmp, copy package/axe.min.js
here and note the version in vendor/README.md.

The app's Content-Security-Policy forbids inline scripts, so add_script_tag is refused; the file
is then evaluated through the DevTools protocol instead (see _inject). Pages keep their CSP: a
test that checks accessibility still sees every CSP violation.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page

AXE_JS = Path(__file__).parent / "vendor" / "axe.min.js"
BLOCKING = ("serious", "critical")
# WCAG 2.1 A and AA plus axe's best practices (headings, landmarks, regions).
DEFAULT_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]


def axe_run(page: Page, *, context: str | None = None, tags: list[str] | None = None) -> dict:
    """axe.run() on the page (or the CSS selector `context`); the full results object."""
    _inject(page)
    options = {"runOnly": {"type": "tag", "values": tags or DEFAULT_TAGS}}
    return page.evaluate(
        "([context, options]) => axe.run(context ? document.querySelector(context) : document,"
        " options)",
        [context, options],
    )


def _inject(page: Page) -> None:
    """add_script_tag, as Playwright documents; under the app's Content-Security-Policy (no
    inline scripts) that is refused, so the same file is then evaluated through the DevTools
    protocol, which the page's CSP does not govern. The page keeps its CSP either way."""
    if page.evaluate("() => typeof window.axe === 'object'"):
        return
    try:
        page.add_script_tag(path=str(AXE_JS))
    except PlaywrightError as error:
        if "Content Security Policy" not in str(error):
            raise
        page.evaluate(AXE_JS.read_text(encoding="utf-8") + "\n;undefined")
    if not page.evaluate("() => typeof window.axe === 'object'"):
        raise AssertionError(f"axe-core could not be loaded into {page.url}")


def axe_violations(page: Page, *, impacts: tuple[str, ...] = BLOCKING, **kwargs: Any) -> list[dict]:
    return [v for v in axe_run(page, **kwargs)["violations"] if v["impact"] in impacts]


def describe(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        targets = [", ".join(node["target"]) for node in violation["nodes"][:5]]
        lines.append(
            f"[{violation['impact']}] {violation['id']}: {violation['help']} "
            f"({violation['helpUrl']})\n    at: " + "\n    at: ".join(targets)
        )
    return "\n".join(lines)


def assert_accessible(page: Page, *, impacts: tuple[str, ...] = BLOCKING, **kwargs: Any) -> None:
    """No axe violations of these impacts on the page as it is now (after whatever it loaded)."""
    violations = axe_violations(page, impacts=impacts, **kwargs)
    assert not violations, f"axe found problems on {page.url}:\n{describe(violations)}"
