"""Settings for the site the browser tests drive: the test settings on a database of its own.

The server (uvicorn, in a subprocess) and the helpers that seed and inspect its data use the
database named by LIVECHAT_BROWSER_DATABASE_URL: a temporary SQLite file, or a PostgreSQL
database created for the run on the services leg. DEBUG serves the static files.
"""

import os

import dj_database_url

from tests.settings import *  # noqa: F401,F403

DEBUG = True
DATABASES = {"default": dj_database_url.parse(os.environ["LIVECHAT_BROWSER_DATABASE_URL"])}
# One visitor signs in, the others chat anonymously with a signed token.
LIVECHAT_ALLOW_ANONYMOUS = True
# Every anonymous visitor of the run comes from 127.0.0.1.
LIVECHAT_ANONYMOUS_CHATS_PER_IP = 1000
LOGGING = {"version": 1, "disable_existing_loggers": False}
