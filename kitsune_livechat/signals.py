"""Signals for the host to listen to; the app's own logic never relies on them.

Each is sent after the transaction that stored the data has committed (``send_on_commit``), so
a receiver never sees a change that was rolled back. Every signal's sender is ``ChatSession``
(or ``ArticleFeedback``) and ``session`` is the chat as it was stored.
"""

import logging

from django.db import transaction
from django.dispatch import Signal

logger = logging.getLogger(__name__)

# A visitor asked for a chat and is now waiting. kwargs: session.
chat_requested = Signal()

# A helper took a chat, or it was given to one. kwargs: session, helper (user), auto (bool:
# routed automatically rather than taken by the helper).
chat_assigned = Signal()

# A chat moved to another helper or back to a queue. kwargs: session, from_helper (user or
# None), to_helper (user or None), to_queue (Queue or None), by (user).
chat_transferred = Signal()

# A chat ended or the visitor left while waiting. kwargs: session, by (user or None for an
# anonymous visitor or the system), reason (str).
chat_ended = Signal()

# Nobody took a waiting chat within its queue's timeout. kwargs: session.
chat_missed = Signal()

# A chat was handed to the forum or left an email for follow-up. kwargs: session, to ("forum"
# or "email"), question_id (int or None), url (str).
chat_handed_off = Signal()

# A helper filed (created=True) or edited (created=False) article feedback for a chat.
# kwargs: feedback (ArticleFeedback), created (bool).
article_feedback_submitted = Signal()


def send_on_commit(signal: Signal, sender, **kwargs) -> None:
    """Send ``signal`` once the current transaction commits (at once outside of one).

    A receiver that raises is logged and does not disturb the other receivers or the caller:
    the chat has already been stored.
    """

    def send() -> None:
        for receiver, result in signal.send_robust(sender=sender, **kwargs):
            if isinstance(result, Exception):
                logger.error(
                    "Receiver %r of a live chat signal failed",
                    receiver,
                    exc_info=(type(result), result, result.__traceback__),
                )

    transaction.on_commit(send)
