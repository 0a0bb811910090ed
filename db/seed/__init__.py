"""Seed data: the demo alliance (``demo``) and its texts (``demo_content``)."""
