"""Subcommands of manage.py: every module here defines ``register(subparsers)``."""
