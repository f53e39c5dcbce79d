"""The line: from a visitor's click to a helper's chat and its end (placement, availability,
lifecycle, assignment, transfer, sweep, hand-off, follow-up, focus, moderation, setup)."""
