"""What a test of manage.py gets back from the ``cli`` fixture (tests/conftest.py)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class CliResult:
    """What ``python manage.py …`` would have given: its exit status, stdout and stderr."""

    returncode: int
    stdout: str
    stderr: str


CliRun = Callable[..., CliResult]
