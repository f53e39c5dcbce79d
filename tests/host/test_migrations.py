"""Migrations apply, nothing is pending, and the article FK follows LIVECHAT_ARTICLE_MODEL."""

import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from kitsune_livechat.models import ChatSession

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_no_pending_migrations():
    out = StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out)
    assert "No changes detected" in out.getvalue()


@pytest.mark.django_db
def test_article_fk_points_at_the_host_model():
    assert ChatSession._meta.get_field("article").related_model._meta.label == "wiki.Document"


def test_migration_names_the_setting_not_the_host_app():
    migration = (ROOT / "kitsune_livechat/migrations/0001_initial.py").read_text()
    assert "swappable_dependency(settings.LIVECHAT_ARTICLE_MODEL)" in migration
    assert "wiki" not in migration


def run_manage(settings_module: str, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": settings_module}
    env.pop("LIVECHAT_TEST_DATABASE_URL", None)  # a fresh in-memory SQLite is enough here
    return subprocess.run(
        [sys.executable, str(ROOT / "example_site/manage.py"), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.slow
def test_makemigrations_clean_with_article_model_in_another_app():
    result = run_manage("tests.settings_altkb", "makemigrations", "--check", "--dry-run")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No changes detected" in result.stdout


@pytest.mark.slow
def test_migrate_with_article_model_in_another_app():
    """The FK really lands on altkb.Page when the host names it."""
    script = (
        "import django; django.setup();"
        "from django.core.management import call_command;"
        "call_command('migrate', verbosity=0);"
        "from kitsune_livechat.models import ChatSession;"
        "print(ChatSession._meta.get_field('article').related_model._meta.label)"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings_altkb"}
    env.pop("LIVECHAT_TEST_DATABASE_URL", None)
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env={**env, "PYTHONPATH": f"{ROOT}:{ROOT / 'example_site'}"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("altkb.Page")


@pytest.mark.slow
def test_check_reports_bad_article_model_readably():
    env_settings = "tests.settings_badarticle"
    result = run_manage(env_settings, "check")
    assert result.returncode != 0
    assert "livechat.E001" in result.stderr
    assert "LIVECHAT_ARTICLE_MODEL = 'nowiki.Document' names no installed model" in result.stderr
