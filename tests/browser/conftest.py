"""A real site for the browser tests: uvicorn serving the example site over its own database,
and Debian's Chromium driven by Playwright.

The server runs in a subprocess, so it gets a database of its own (a temporary SQLite file,
or a PostgreSQL database created for the run when LIVECHAT_TEST_DATABASE_URL is set), seeded
and inspected through the ORM by short subprocesses with the same settings. The in-memory
channel layer is enough for one server process; on the services leg Redis is used.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse, urlunparse

import pytest
from django.urls import reverse

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("LIVECHAT_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
SCREENSHOTS = ROOT / "test-results" / "screenshots"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 360, "height": 740}


def pytest_collection_modifyitems(items):
    for item in items:
        if Path(str(item.fspath)).is_relative_to(Path(__file__).parent):
            item.add_marker(pytest.mark.browser)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Site:
    """The running example site: its base URL, the seeded data and the server's environment."""

    base_url: str
    env: dict[str, str]
    data: dict = field(default_factory=dict)

    def url(self, path: str) -> str:
        return self.base_url + path

    def python(self, code: str) -> object:
        """Run ``code`` (which sets ``result``) against the site's database; returns result."""
        script = (
            "import django, json\ndjango.setup()\n"
            + code
            + "\nprint('RESULT=' + json.dumps(result, default=str))\n"
        )
        out = subprocess.run(
            [sys.executable, "-c", script],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        ).stdout
        line = next(line for line in out.splitlines() if line.startswith("RESULT="))
        return json.loads(line[len("RESULT=") :])


def _postgres_database(run_id: str) -> tuple[str, callable]:
    """A fresh PostgreSQL database for the run, and a function that drops it."""
    import psycopg

    admin_url = os.environ["LIVECHAT_TEST_DATABASE_URL"]
    name = f"test_livechat_browser_{run_id}"
    parts = urlparse(admin_url)
    dsn = urlunparse(parts._replace(scheme="postgresql"))

    def execute(sql: str) -> None:
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(sql)

    execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    execute(f'CREATE DATABASE "{name}"')
    url = urlunparse(parts._replace(path=f"/{name}"))
    return url, lambda: execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def site(tmp_path_factory):
    if not Path(CHROMIUM).exists():
        missing = f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)"
        if os.environ.get("CI"):
            pytest.fail(missing)  # CI must run the browser tests, never skip them
        pytest.skip(missing)
    run_id = os.environ.get("LIVECHAT_TEST_RUN_ID", str(os.getpid()))
    drop = None
    if os.environ.get("LIVECHAT_TEST_DATABASE_URL"):
        database_url, drop = _postgres_database(run_id)
    else:
        database_url = f"sqlite:///{tmp_path_factory.mktemp('site') / 'site.sqlite3'}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.browser.site_settings",
        "LIVECHAT_BROWSER_DATABASE_URL": database_url,
        "LIVECHAT_TEST_RUN_ID": f"browser{run_id}",
        "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "example_site")]),
        "PYTHONUNBUFFERED": "1",
    }
    manage = [sys.executable, str(ROOT / "example_site" / "manage.py")]
    subprocess.run([*manage, "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    seeded = subprocess.run(
        [sys.executable, "-m", "tests.browser.seed"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    port = _free_port()
    log = (tmp_path_factory.getbasetemp() / "uvicorn.log").open("w")
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "--app-dir",
            "example_site",
            "config.asgi:application",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--no-access-log",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base_url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(base_url + reverse("livechat:jsi18n", args=["en-US"]), timeout=2)
            break
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                log.close()
                raise RuntimeError(
                    "The site did not start:\n"
                    + (tmp_path_factory.getbasetemp() / "uvicorn.log").read_text()
                ) from None
            time.sleep(0.2)
    try:
        yield Site(base_url=base_url, env=env, data=json.loads(seeded))
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()
        if drop is not None:
            drop()


@pytest.fixture(scope="session")
def browser(site):
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield browser
    browser.close()
    playwright.stop()


@pytest.fixture(scope="session", autouse=True)
def _screenshot_dir():
    shutil.rmtree(SCREENSHOTS, ignore_errors=True)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)


@pytest.fixture
def new_context(browser, site):
    """``new_context()`` opens a fresh browser profile (its own cookies and storage)."""
    from playwright.sync_api import expect

    expect.set_options(timeout=10_000)
    contexts = []
    errors: list[str] = []

    def console(page, message):
        # Chromium reports what the Content-Security-Policy blocked on the console too.
        if message.type == "error" and (
            "Content Security Policy" in message.text or message.text.startswith(CSP_MARK)
        ):
            errors.append(f"{page.url}: {message.text}")

    def watch(page):
        page.on("pageerror", lambda error: errors.append(f"{page.url}: {error}"))
        page.on("console", lambda message: console(page, message))

    def make(**options):
        context = browser.new_context(viewport=DESKTOP, base_url=site.base_url, **options)
        context.set_default_timeout(10_000)
        context.add_init_script(REPORT_CSP_VIOLATIONS)
        context.on("page", watch)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()
    # A script error or anything the Content-Security-Policy blocked is a failure even when
    # the screen happened to look right.
    assert not errors, "JavaScript errors or CSP violations:\n" + "\n".join(errors)


CSP_MARK = "CSP violation:"
# Every page reports what the example site's Content-Security-Policy (Kitsune's shape) blocked.
REPORT_CSP_VIOLATIONS = """document.addEventListener("securitypolicyviolation", (event) => {
  console.error(`CSP_MARK ${event.effectiveDirective} blocked ${event.blockedURI || "inline"} `
    + `(${event.sourceFile || ""}:${event.lineNumber || 0}) ${event.sample || ""}`);
});""".replace("CSP_MARK", CSP_MARK)


def sign_in(page, site: Site, username: str, next_path: str = "/") -> None:
    page.goto(f"/users/login/?next={next_path}")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(site.data["password"])
    page.get_by_label("Password").press("Enter")
    page.wait_for_url(f"**{next_path}" if next_path != "/" else "**/*")


# Every visible control must have an accessible name: a label, aria-label(ledby), or its text.
UNLABELLED = """() => {
  const named = (el) =>
    (el.labels && el.labels.length) || el.getAttribute("aria-label") ||
    el.getAttribute("aria-labelledby") || el.getAttribute("title") ||
    (["BUTTON", "A", "SUMMARY"].includes(el.tagName) && el.textContent.trim());
  const controls = document.querySelectorAll(
    "input:not([type=hidden]), select, textarea, button, a[href], summary, [role=tab]"
  );
  return Array.from(controls)
    .filter((el) => el.checkVisibility({ visibilityProperty: true }) || el.type === "radio"
      || el.type === "checkbox")
    .filter((el) => !el.closest("[hidden]") && !named(el))
    .map((el) => el.outerHTML.slice(0, 120));
}"""


def assert_labelled(page) -> None:
    unlabelled = page.evaluate(UNLABELLED)
    assert not unlabelled, f"Controls without a label on {page.url}: {unlabelled}"


def shoot(page, name: str, *, full_page: bool = False) -> None:
    """A screenshot of the page at desktop and at phone width (then the size is put back).

    Every screen shot is also checked for controls without an accessible name.
    """
    assert_labelled(page)
    size = page.viewport_size
    page.screenshot(path=SCREENSHOTS / f"{name}-desktop.png", full_page=full_page)
    page.set_viewport_size(PHONE)
    page.screenshot(path=SCREENSHOTS / f"{name}-phone.png", full_page=True)
    page.set_viewport_size(size)


# Checked whatever their impact: the product fixed each of them once.
ALWAYS_CHECKED = {
    "region",
    "heading-order",
    "label-content-name-mismatch",
    "color-contrast",
    "listitem",
    "aria-allowed-role",
}


def assert_accessible(page, context: str | None = None) -> None:
    """axe-core finds no serious or critical violation on the page (or in ``context``), nor
    any of ``ALWAYS_CHECKED``."""
    from axe_playwright_python.sync_playwright import Axe

    options = {
        "resultTypes": ["violations"],
        "rules": {"label-content-name-mismatch": {"enabled": True}},  # experimental in axe
    }
    results = Axe().run(page, context=context, options=options)
    found = [
        f"{v['id']} ({v['impact']}): {v['help']} at "
        + ", ".join(" ".join(node["target"]) for node in v["nodes"][:5])
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical") or v["id"] in ALWAYS_CHECKED
    ]
    assert not found, f"Accessibility violations on {page.url}:\n" + "\n".join(found)
