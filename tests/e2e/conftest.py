"""Real-browser fixtures: Debian's Chromium driven by Playwright against pytest-django's live server.

Guarantees:
- The browser is `/usr/bin/chromium` (no downloaded Playwright build), with the flags that keep it off
  the network. When it is missing the tests are skipped with the reason, unless `CI` is set: then
  they fail, so a CI machine without a browser cannot pass silently.
- The live server, the Dramatiq worker threads and in-process moto (`aws`) share this process, so
  the pages the browser opens and the actors they enqueue all reach the same simulated AWS.
- Playwright's sync API runs an event loop in the test thread, which makes Django refuse ORM calls
  there; `DJANGO_ALLOW_ASYNC_UNSAFE` is set only while this module's browser is up.
- Screenshots go to `E2E_SCREENSHOTS` (default /tmp/seqera-e2e), never into the repository.
- axe-core (vendored) checks every page a test's browser loads, at both widths a test uses; any
  violation fails the test, with the rule, the page and the offending elements.
"""

import os
import re
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
SCREENSHOTS = Path(os.environ.get("E2E_SCREENSHOTS", "/tmp/seqera-e2e"))
TIMEOUT_MS = 10_000
AXE = Path(__file__).resolve().parents[2] / "static/vendor/axe-core-4.14.1/axe.min.js"
# Runs once each page has loaded; init scripts are injected by the browser itself, so the page's CSP
# (script-src 'self') does not block them and the product needs no test hook.
AXE_ON_LOAD = """
window.addEventListener("load", () => setTimeout(async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  window.__axeReport(location.pathname + location.search, result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 5).map(n => n.target.join(" ")),
  })));
}, 0));
"""
PASSWORD = "correct-horse-battery"  # tests.factories.UserFactory's password


def require_chromium() -> None:
    if CHROMIUM.exists():
        return
    reason = f"{CHROMIUM} is missing: install it with `apt-get install -y chromium` (make test does, as root)"
    if os.environ.get("CI"):
        pytest.fail(f"CI is set but {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser():
    require_chromium()
    from playwright.sync_api import sync_playwright

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            yield chromium
            chromium.close()


@pytest.fixture
def new_page(browser):
    """Opens pages in fresh browser contexts (separate cookies: one per person); closed after the test."""
    contexts, checked, violations = [], [], []

    def report(source, path, found):
        checked.append(path)
        violations.extend({**item, "page": path} for item in found)

    def open_page(viewport=None):
        context = browser.new_context(viewport=viewport or {"width": 1400, "height": 1000})
        context.set_default_timeout(TIMEOUT_MS)
        context.expose_binding("__axeReport", report)
        context.add_init_script(path=str(AXE))
        context.add_init_script(script=AXE_ON_LOAD)
        contexts.append(context)
        return context.new_page()

    open_page.violations = violations
    open_page.checked = checked
    yield open_page
    for context in contexts:
        for open_ in context.pages:
            open_.wait_for_timeout(300)  # let the last page's check report
        context.close()
    assert not violations, "accessibility violations (axe-core):\n" + "\n".join(
        f"- {v['page']}: {v['id']} ({v['impact']}): {v['help']} at {', '.join(v['nodes'])}" for v in violations
    )
    assert checked, "axe-core checked no page"


@pytest.fixture
def page(new_page):
    return new_page()


@pytest.fixture
def shot():
    """`shot(page, "name")` saves a full-page screenshot (`of=locator`: just that element) and fails
    on a raw template or server error in the page."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(page, name: str, of=None) -> Path:
        text = page.content()
        assert not re.search(r"TemplateSyntaxError|Traceback|Server Error \(500\)|\{% |\{\{ ", text), name
        path = SCREENSHOTS / f"{name}.png"
        if of is None:
            page.screenshot(path=str(path), full_page=True)
        else:
            of.screenshot(path=str(path))
        return path

    return take


@pytest.fixture
def sign_in(live_server):
    def sign_in_as(page, username: str, password: str = PASSWORD) -> None:
        page.goto(f"{live_server.url}/accounts/login/")
        page.get_by_label("User name").fill(username)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(re.compile(r"^(?!.*/accounts/login/).*$"))

    return sign_in_as


@pytest.fixture
def lab(db):
    """Maria, admin of workspace acme/lab, which holds the credentials lab-aws."""
    from tests.factories import CredentialsFactory, ParticipantFactory

    participant = ParticipantFactory(
        role="admin", user__username="maria", workspace__name="lab", workspace__org__name="acme"
    )
    credentials = CredentialsFactory(workspace=participant.workspace, name="lab-aws")
    return participant.workspace, credentials
