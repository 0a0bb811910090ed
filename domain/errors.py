"""Errors that services raise and the interface turns into messages in the user's language."""

from __future__ import annotations

from typing import Any


class AppError(Exception):
    """Base of every error a user may see; ``code`` is a locale key, ``params`` fill it."""

    code = "error.generic"

    def __init__(self, code: str | None = None, **params: Any) -> None:
        self.code = code or self.code
        self.params = params
        super().__init__(self.code, params)


class PermissionDenied(AppError):
    code = "error.permission"


class NotFound(AppError):
    code = "error.not_found"


class ValidationError(AppError):
    """A value that does not fit; ``field`` names the form field (a locale key)."""

    code = "error.invalid"

    def __init__(self, field: str, code: str | None = None, **params: Any) -> None:
        self.field = field
        super().__init__(code, **params)


class Conflict(AppError):
    code = "error.conflict"
