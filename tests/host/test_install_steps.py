"""The README's "Adding it to Kitsune", followed literally on a Kitsune-shaped site: after the
steps, chat is open for an article when a helper is online."""

import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
IN_MEMORY = "channels.layers.InMemoryChannelLayer"


def install_section() -> str:
    readme = (ROOT / "README.md").read_text()
    return readme.split("## Adding it to Kitsune", 1)[1].split("\n## ", 1)[0]


def python_block(step: int) -> str:
    """The Python code block of a numbered step, dedented."""
    section = install_section()
    text = re.split(r"^\d+\. ", section, flags=re.M)[step]
    block = re.search(r"```python\n(.*?)```", text, flags=re.S).group(1)
    return textwrap.dedent(block)


def shell_commands(step: int) -> list[list[str]]:
    """The ``python manage.py ...`` commands a step names, in order."""
    text = re.split(r"^\d+\. ", install_section(), flags=re.M)[step]
    return [cmd.split()[2:] for cmd in re.findall(r"`(python manage\.py [^`]+)`", text)]


CHECK = """
import django, json
django.setup()
from django.contrib.auth.models import Permission, User
from django.core.management import call_command
from django.test import Client
from wiki.models import Document, Revision

author = User.objects.create_user("author")
doc = Document.objects.create(title="Firefox is slow", slug="firefox-slow", locale="en-US")
doc.current_revision = Revision.objects.create(
    document=doc, content="Try this.", is_approved=True, creator=author
)
doc.save()
helper = User.objects.create_user("helper")
helper.user_permissions.add(Permission.objects.get(codename="answer_chats"))
client = Client()
client.force_login(helper)
status = client.put(
    "/livechat/api/agent/status", {"status": "online"}, content_type="application/json"
)
visitor = Client()
availability = visitor.get("/livechat/api/availability", {"article": doc.pk}).json()
chat_page = visitor.get("/en-US/livechat/chat/", {"article": doc.pk})
print("RESULT=" + json.dumps({
    "status": status.status_code,
    "availability": availability,
    "chat_page": chat_page.status_code,
}))
"""


@pytest.fixture
def kitsune_site(tmp_path):
    """A Kitsune-shaped site package with the README's settings and URL steps appended."""
    package = tmp_path / "kitsune_site"
    package.mkdir()
    (package / "__init__.py").write_text("")
    settings = "from tests.kitsune_shaped.base_settings import *  # noqa\n\n" + python_block(2)
    # The one change: the README's Redis host ("redis") is the deployment's; use the test's.
    settings += (
        "\nCHANNEL_LAYERS = {'default': {'BACKEND': 'channels.layers.InMemoryChannelLayer'}}\n"
    )
    (package / "settings.py").write_text(settings)
    urls = "from tests.kitsune_shaped.base_urls import *  # noqa\n\n" + python_block(3)
    (package / "urls.py").write_text(urls)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "kitsune_site.settings",
        "KITSUNE_SHAPED_DATABASE_URL": f"sqlite:///{tmp_path / 'site.sqlite3'}",
        "PYTHONPATH": os.pathsep.join([str(tmp_path), str(ROOT), str(ROOT / "example_site")]),
    }
    env.pop("LIVECHAT_TEST_DATABASE_URL", None)
    return env


def run(env, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(ROOT / "example_site" / "manage.py"), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.slow
def test_the_readme_install_steps_leave_chat_open_on_a_kitsune_shaped_site(kitsune_site):
    assert "INSTALLED_APPS += (" in python_block(2)  # Kitsune's INSTALLED_APPS is a tuple
    assert "i18n_patterns(" in python_block(3)
    commands = shell_commands(8)
    assert commands[0] == ["migrate"] and commands[1] == ["livechat_default_queue"]

    before = run(kitsune_site, "migrate", "--noinput", "-v0")
    assert before.returncode == 0, before.stderr
    warned = run(kitsune_site, "check")
    assert "livechat.W002" in warned.stderr + warned.stdout
    for command in commands[1:]:
        done = run(kitsune_site, *command)
        assert done.returncode == 0, done.stderr
    checked = run(kitsune_site, "check")
    assert checked.returncode == 0, checked.stderr
    reported = checked.stderr + checked.stdout
    assert "livechat.W002" not in reported and "urls.W005" not in reported
    assert "livechat.E" not in reported

    out = subprocess.run(
        [sys.executable, "-c", CHECK],
        cwd=ROOT,
        env=kitsune_site,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr
    line = next(line for line in out.stdout.splitlines() if line.startswith("RESULT="))
    result = __import__("json").loads(line[len("RESULT=") :])
    assert result["status"] == 200
    assert (result["availability"]["state"], result["availability"]["queue"]) == (
        "open",
        "general",
    )
    assert result["chat_page"] == 200
