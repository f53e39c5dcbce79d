"""Shared setup for the queue and routing tests: events and signals recorded after commit."""

from dataclasses import dataclass, field

import pytest
from django.db import transaction

from kitsune_livechat import realtime, signals
from kitsune_livechat.models import AgentStatus
from tests.factories import AgentStatusFactory, DocumentFactory

FIREFOX_UA = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0"


@dataclass
class Published:
    """What the services sent to the channel layer, in order, once their transaction committed."""

    frames: list[tuple[str, dict]] = field(default_factory=list)
    signals: list[tuple[str, str, dict]] = field(default_factory=list)

    def to(self, group: str) -> list[dict]:
        return [frame for name, frame in self.frames if name == group]

    def of_type(self, group: str, kind: str) -> list[dict]:
        return [frame for frame in self.to(group) if frame.get("type") == kind]

    def lines_moved(self) -> list[int]:
        return [data["queue"] for _group, name, data in self.signals if name == "line_moved"]


@pytest.fixture
def published(monkeypatch):
    """Record every frame and consumer signal, as the channel layer would get them."""
    record = Published()

    def publish(group, event, *, recheck=False, origin=""):
        transaction.on_commit(lambda: record.frames.append((group, event)))

    def signal(group, name, **data):
        transaction.on_commit(lambda: record.signals.append((group, name, data)))

    monkeypatch.setattr(realtime, "publish", publish)
    monkeypatch.setattr(realtime, "signal", signal)
    return record


@pytest.fixture
def host_signals():
    """Every host signal the app sends, as (name, kwargs), recorded when it is sent."""
    sent: list[tuple[str, dict]] = []
    names = (
        "chat_requested",
        "chat_assigned",
        "chat_transferred",
        "chat_ended",
        "chat_missed",
        "chat_handed_off",
    )
    receivers = {}
    for name in names:

        def receiver(sender, signal=None, _name=name, **kwargs):
            sent.append((_name, kwargs))

        receivers[name] = receiver
        getattr(signals, name).connect(receiver, weak=False)
    yield sent
    for name, receiver in receivers.items():
        getattr(signals, name).disconnect(receiver)


def online_helper(**kwargs):
    """A helper who is online, seen now, with free seats; returns the user."""
    return AgentStatusFactory(**kwargs).user


def set_offline(user) -> None:
    AgentStatus.objects.filter(user=user).update(status=AgentStatus.Status.OFFLINE)


def chat_form(article=None, **overrides) -> dict:
    """A complete question form as the chat window posts it."""
    article = DocumentFactory() if article is None else article
    form = {
        "article": getattr(article, "pk", article),
        "problem": "Firefox crashes every time I open a new tab.",
        "started_when": "Since yesterday's update",
        "frequency": "Every time",
        "on_affected_computer": True,
        "user_agent": FIREFOX_UA,
    }
    form.update(overrides)
    return form
