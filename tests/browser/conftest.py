"""Browser tests: Debian's Chromium driven by Playwright against the app on a real server."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.servers import serve

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "browser"


def pytest_collection_modifyitems(config, items):
    """Skip the browser tests with a reason where there is no Chromium; never in CI."""
    if os.path.exists(CHROMIUM):
        return
    if os.environ.get("CI") == "true":
        raise pytest.UsageError(f"CI needs Chromium at {CHROMIUM} (apt-get install chromium)")
    skip = pytest.mark.skip(reason=f"no Chromium at {CHROMIUM}: apt-get install chromium")
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM}


@pytest.fixture
def live(make_app, smtp_sink, clock):
    """The app on a threaded server, with mail going to a real SMTP sink, on conftest's clock."""
    app = make_app(
        worker=True,
        MAIL_SERVER=smtp_sink.host,
        MAIL_PORT=smtp_sink.port,
        BASE_URL=None,
        WTF_CSRF_ENABLED=True,
        CLOCK=clock,
    )
    with serve(app) as base:
        yield {"app": app, "base": base, "sink": smtp_sink}


@pytest.fixture
def shots(request):
    """Save a screenshot of each step as a test artifact."""
    folder = ARTIFACTS / request.node.name
    folder.mkdir(parents=True, exist_ok=True)
    count = iter(range(1, 1000))

    def shot(page, name: str) -> None:
        page.screenshot(path=str(folder / f"{next(count):02d}-{name}.png"), full_page=True)

    return shot


@pytest.fixture
def js_errors():
    """Collect JavaScript errors of the pages a test opens; the test asserts there are none."""
    errors: list[str] = []

    def watch(page):
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.on(
            "console",
            lambda msg: errors.append(msg.text) if msg.type == "error" else None,
        )
        return page

    watch.errors = errors
    return watch


@pytest.fixture
def tab(browser):
    """A fresh page in its own context (pytest-playwright's `page` pulls in base_url)."""
    context = browser.new_context(timezone_id="Europe/Stockholm")
    yield context.new_page()
    context.close()
