"""Contributors: karma for chat work, the mentoring path, and what a console hears."""
