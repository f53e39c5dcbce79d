"""Settings for the site the browser tests drive: the test settings on a database of its own.

The server (uvicorn, in a subprocess) and the helpers that seed and inspect its data use the
database named by LIVECHAT_BROWSER_DATABASE_URL: a temporary SQLite file, or a PostgreSQL
database created for the run on the services leg. DEBUG serves the static files.
"""

import os
import tempfile

import dj_database_url

from tests.settings import *  # noqa: F401,F403

DEBUG = True
DATABASES = {"default": dj_database_url.parse(os.environ["LIVECHAT_BROWSER_DATABASE_URL"])}
# One visitor signs in, the others chat anonymously with a signed token.
LIVECHAT_ALLOW_ANONYMOUS = True
# Every anonymous visitor of the run comes from 127.0.0.1.
LIVECHAT_ANONYMOUS_CHATS_PER_IP = 1000
LOGGING = {"version": 1, "disable_existing_loggers": False}
# Mail goes to files the tests read (one directory per run).
EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
EMAIL_FILE_PATH = os.path.join(
    tempfile.gettempdir(), f"livechat-mail-{os.environ.get('LIVECHAT_TEST_RUN_ID', 'browser')}"
)
# Files sent in chats are kept on disk, as a real site keeps them (the in-memory storage of the
# unit tests shares one file handle between concurrent readers).
STORAGES = {
    **STORAGES,  # noqa: F405
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": EMAIL_FILE_PATH + "-media"},
    },
}
