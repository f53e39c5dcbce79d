#!/usr/bin/env python
"""Run the example host site: `python example_site/manage.py runserver` or `migrate`."""

import os
import sys
from pathlib import Path


def main() -> None:
    here = Path(__file__).resolve().parent
    # The stand-in apps live beside this file; the app under test lives in the repo root.
    for path in (here, here.parent):
        if str(path) not in sys.path:
            sys.path.insert(0, str(path))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
