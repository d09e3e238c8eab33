"""Playwright driving Debian's Chromium against the test's app on 127.0.0.1.

No browser download works on our machines: `make test` installs Debian's chromium and
these fixtures point Playwright at it (CHROMIUM_PATH overrides the path).
"""

import os
from pathlib import Path
from urllib.parse import urlsplit

import pytest

AXE = Path(__file__).with_name("vendor") / "axe.min.js"


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"),
        "args": ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"],
    }


def csp_violations(page) -> list[str]:
    """What the page's Content-Security-Policy refused from now on (Chromium reports each
    refused script, style or image as a console error)."""
    refused: list[str] = []
    page.on("console", lambda message: refused.append(message.text)
            if "Content Security Policy" in message.text else None)
    return refused


@pytest.fixture(autouse=True)
def _nothing_refused_by_the_csp(request):
    """A browser test fails when the policy refused anything its page wanted."""
    if "page" not in request.fixturenames:
        yield
        return
    refused = csp_violations(request.getfixturevalue("page"))
    yield
    assert refused == []


@pytest.fixture
def requested_hosts(page) -> set[str]:
    """Every host the page asked for anything (documents, styles, scripts, fonts...)."""
    hosts: set[str] = set()
    page.on("request", lambda request: hosts.add(urlsplit(request.url).hostname or
                                                  urlsplit(request.url).scheme))
    return hosts


def axe_violations(page) -> list[dict]:
    """Run the vendored axe-core in the page; the violations, each with its nodes."""
    page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate("""async () => {
        const r = await axe.run(document, {resultTypes: ['violations']});
        return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                       nodes: v.nodes.map(n => n.html).slice(0, 5)}));
    }""")
    return result
