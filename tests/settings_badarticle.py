"""The test settings with an article model that does not exist, for the system check test."""

from tests.settings import *  # noqa: F401,F403

LIVECHAT_ARTICLE_MODEL = "nowiki.Document"
