"""The mentoring path's people: a newcomer who applied, and the mentor who pairs with them."""

import pytest

from kitsune_livechat.services.contributors import mentoring
from kitsune_livechat.services.shared.access import Caller
from tests.factories import SupervisorFactory, UserFactory


@pytest.fixture
def newbie(db):
    return UserFactory(username="newbie")


@pytest.fixture
def mentor(db):
    return SupervisorFactory(username="mentor")


@pytest.fixture
def applied(newbie):
    """``newbie`` has applied to become a helper and waits for a mentor."""
    trainee, _created = mentoring.apply(caller=Caller(user=newbie), motivation="I like people.")
    return trainee


@pytest.fixture
def paired(applied, mentor):
    """``newbie`` in training with ``mentor``."""
    return mentoring.pair(caller=Caller(user=mentor), trainee_id=applied.pk)
