"""A Kitsune-shaped site before the live chat app is added: what the README's install steps are
applied to (tests/host/test_install_steps.py)."""
