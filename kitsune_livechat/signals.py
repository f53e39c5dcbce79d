"""Signals for the host to listen to; the app's own logic never relies on them.

Each is sent after the transaction that stored the data has committed.
"""

from django.dispatch import Signal

# A helper filed (created=True) or edited (created=False) article feedback for a chat.
# kwargs: feedback (ArticleFeedback), created (bool).
article_feedback_submitted = Signal()
