"""Email follow-up for a chat that could not finish live.

When a visitor leaves an address instead of waiting (closed, full, missed or after the chat),
two emails go out once the address is stored: a confirmation to the visitor with what they
asked, and the request itself to the team's ``LIVECHAT_FOLLOWUP_EMAIL``, never to the helper
who had the chat: a reply from their own mailbox would hand the visitor their private address
(the helper sees the hand-off in the console). The request's Reply-To is the visitor, so
answering it is one click. Mail is sent after commit and a failing mail server is logged,
never raised: the address is already stored and visible in the admin.
"""

import logging

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from ...conf import livechat_settings
from ...models import ChatSession
from ..conversation.visitor_view import visible_transcript
from .handoff import default_title, question_content

logger = logging.getLogger(__name__)


def _team_address(session: ChatSession) -> str:
    return livechat_settings.FOLLOWUP_EMAIL


def followup_emails(session: ChatSession, *, base: str = "") -> list[EmailMessage]:
    """The confirmation for the visitor and, when someone can answer, the request for them
    (links made absolute on ``base``: mail is read away from the site)."""
    with translation.override(session.locale):
        content = question_content(session, visible_transcript(session), base=base)
        subject = default_title(session.problem)
        messages = [
            EmailMessage(
                subject=_("We got your question: %(subject)s") % {"subject": subject},
                body=_(
                    "Thank you for asking. A volunteer will answer you at this address.\n\n"
                    "What you told us:\n\n%(content)s"
                )
                % {"content": content},
                to=[session.followup_email],
            )
        ]
        team = _team_address(session)
        if team:
            messages.append(
                EmailMessage(
                    subject=_("Follow up by email: %(subject)s") % {"subject": subject},
                    body=_(
                        "A visitor asked to be answered by email at %(email)s. Reply to this "
                        "message to answer them.\n\n%(content)s"
                    )
                    % {"email": session.followup_email, "content": content},
                    to=[team],
                    reply_to=[session.followup_email],
                )
            )
    for message in messages:
        message.from_email = settings.DEFAULT_FROM_EMAIL
    return messages


def send_followup_on_commit(session: ChatSession, *, base: str = "") -> None:
    """Queue the follow-up emails for when the stored address is committed."""

    def send() -> None:
        for message in followup_emails(session, base=base):
            try:
                message.send()
            except Exception:
                logger.exception("Could not send the follow-up email for chat %s", session.pk)

    transaction.on_commit(send)
