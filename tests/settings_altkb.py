"""The test settings with the article model in another app (``altkb.Page``).

Proves that the app's migrations follow LIVECHAT_ARTICLE_MODEL instead of naming ``wiki``.
"""

from tests.settings import *  # noqa: F401,F403

LIVECHAT_ARTICLE_MODEL = "altkb.Page"
