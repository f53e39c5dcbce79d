"""Schemathesis against the published OpenAPI document: generated requests, valid and not, to
every operation, as a helper and as an anonymous visitor, never get a server error.

Bounded (a few examples per operation and mode, derandomized) so it runs in CI in well under
two minutes; it runs on the PostgreSQL + Redis leg, where text and dates meet their real limits.
"""

import pytest
import schemathesis
from django.conf import settings
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.test import Client, override_settings
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

from kitsune_livechat.services.shared.access import make_visitor_token, new_anonymous_key
from tests.conftest import CSRF
from tests.factories import (
    ActiveChatFactory,
    AgentStatusFactory,
    ChatSessionFactory,
    DefaultQueueFactory,
    SupervisorFactory,
)

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

EXAMPLES = 5
OPENAPI = "/livechat/api/openapi.json"


@pytest.fixture
def keep_connection():
    """Serve in the test's own transaction, as Django's test client does: without this the
    WSGI handler closes the connection after each request."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def login_cookie(user) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def can_be_invalid(operation) -> bool:
    """Whether negative generation has something to break: a body, or a parameter that is not
    free text (free text has no invalid values; searching for one only burns the time box)."""
    raw = operation.definition.raw
    if "requestBody" in raw:
        return True
    return any(
        parameter.get("schema", {}).get("type") not in (None, "string")
        or "format" in parameter.get("schema", {})
        for parameter in raw.get("parameters", [])
    )


def run_operation(operation, mode: GenerationMode, *, headers, cookies, chat_id) -> list[str]:
    """Server errors seen for one operation in one generation mode."""
    failures: list[str] = []

    @given(case=operation.as_strategy(generation_mode=mode))
    @hypothesis_settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def check(case):
        if chat_id and "session_id" in (case.path_parameters or {}):
            # Half the time about a chat the caller is in, so the handlers past the gate run.
            if hash(str(case.body)) % 2:
                case.path_parameters["session_id"] = chat_id
        response = case.call(headers=headers, cookies=cookies)
        if response.status_code >= 500:
            failures.append(f"{case.method} {case.formatted_path} -> {response.status_code}")

    try:
        check()
    except Unsatisfiable:
        pass  # nothing to make invalid: an operation without parameters, in negative mode
    return failures


@override_settings(LIVECHAT_ALLOW_ANONYMOUS=True, LIVECHAT_RATE_LIMIT_MESSAGES=10_000)
@pytest.mark.slow
def test_no_operation_answers_a_server_error(keep_connection):
    DefaultQueueFactory()
    supervisor = SupervisorFactory(perms=["answer_chats", "supervise_chats", "view_insights"])
    AgentStatusFactory(user=supervisor)
    helper_chat = ActiveChatFactory(helper=supervisor)
    key = new_anonymous_key()
    visitor_chat = ChatSessionFactory(visitor=None, anonymous_key=key)
    callers = {
        "helper": (
            {"X-CSRFToken": CSRF},
            {settings.SESSION_COOKIE_NAME: login_cookie(supervisor), "csrftoken": CSRF},
            str(helper_chat.pk),
        ),
        "visitor": ({"X-Livechat-Token": make_visitor_token(key)}, {}, str(visitor_chat.pk)),
    }
    schema = schemathesis.openapi.from_wsgi(OPENAPI, get_wsgi_application())

    failures: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        for name, (headers, cookies, chat_id) in callers.items():
            modes = [GenerationMode.POSITIVE]
            if can_be_invalid(operation):
                modes.append(GenerationMode.NEGATIVE)
            for mode in modes:
                failures += [
                    f"{name} {mode}: {failure}"
                    for failure in run_operation(
                        operation, mode, headers=headers, cookies=cookies, chat_id=chat_id
                    )
                ]

    assert operations >= 40
    assert sorted(set(failures)) == []
