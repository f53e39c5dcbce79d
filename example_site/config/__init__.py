"""The example site's project package.

Every entry point (manage.py, uvicorn's config.asgi, a WSGI server's config.wsgi) imports this
package first, so this is where the repository root goes on sys.path: the site then runs
the app from a checkout even when it is not installed.
"""

import sys
from pathlib import Path

_REPO_ROOT = str(Path(__file__).resolve().parents[2])
if _REPO_ROOT not in sys.path:
    sys.path.append(_REPO_ROOT)
