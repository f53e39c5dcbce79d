"""Business rules, by capability (docs/architecture.md has the map):

- ``line``: a visitor's way to a helper: placement, availability, the chat's lifecycle,
  assignment, transfer, timeouts, hand-offs and follow-ups, focus campaigns, bans.
- ``conversation``: what is said in a chat and who hears it: messages, participants, the
  visitor's view, transcripts, attachments, tags, history, feedback, retention.
- ``contributors``: karma, mentoring and what a contributor's console hears.
- ``insights``: figures, breakdowns, the live floor and exports as rows.
- ``shared``: the floor the others stand on: access, roles, locks, limits, cleaning, people,
  links, notifications and transient faults.

Doors (``api``, ``pages``, ``consumers``, ``admin``) call these; these never import a door.
"""
