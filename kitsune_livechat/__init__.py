"""Live chat support for Kitsune-shaped Django help sites."""
