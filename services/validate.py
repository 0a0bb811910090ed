"""Field checks that raise ``ValidationError`` naming the field (a locale key)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime
from enum import StrEnum
from typing import TypeVar

from domain.errors import ValidationError

E = TypeVar("E", bound=StrEnum)

_DATE_FORMS = (
    re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$"),
    re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日$"),
    re.compile(r"^(\d{4})\.(\d{1,2})\.(\d{1,2})$"),
)


def text(field: str, value: object, *, required: bool = False, max_len: int = 200) -> str:
    """A trimmed string; empty allowed unless ``required``."""
    s = "" if value is None else str(value).strip()
    if required and not s:
        raise ValidationError(field, "error.required")
    if len(s) > max_len:
        raise ValidationError(field, "error.too_long", max=max_len)
    return s


def integer(
    field: str,
    value: object,
    *,
    required: bool = False,
    min_value: int | None = 0,
    max_value: int | None = None,
    default: int | None = 0,
) -> int | None:
    """A whole number within bounds; blank gives ``default`` unless ``required``."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise ValidationError(field, "error.required")
        return default
    if isinstance(value, bool):
        raise ValidationError(field, "error.not_a_number")
    try:
        if isinstance(value, float):
            if value != value or not value.is_integer():  # NaN or fractional
                raise ValueError
            n = int(value)
        else:
            n = int(str(value).strip().replace(",", ""))
    except (TypeError, ValueError, OverflowError):
        raise ValidationError(field, "error.not_a_number") from None
    _bounds(field, n, min_value, max_value)
    return n


def number(
    field: str,
    value: object,
    *,
    required: bool = False,
    min_value: float | None = 0.0,
    max_value: float | None = None,
    default: float | None = 0.0,
) -> float | None:
    """A decimal number within bounds."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise ValidationError(field, "error.required")
        return default
    if isinstance(value, bool):
        raise ValidationError(field, "error.not_a_number")
    try:
        n = float(str(value).strip().replace(",", "")) if not isinstance(value, int | float) else float(value)
    except (TypeError, ValueError, OverflowError):
        raise ValidationError(field, "error.not_a_number") from None
    if n != n or n in (float("inf"), float("-inf")):
        raise ValidationError(field, "error.not_a_number")
    _bounds(field, n, min_value, max_value)
    return n


def _bounds(field: str, n: float, lo: float | None, hi: float | None) -> None:
    if (lo is not None and n < lo) or (hi is not None and n > hi):
        raise ValidationError(
            field,
            "error.out_of_range",
            min="" if lo is None else _num(lo),
            max="" if hi is None else _num(hi),
        )


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


MAX_ID = 2**31 - 1  # INTEGER primary keys (PostgreSQL int4)


def record_id(field: str, value: object, *, required: bool = True) -> int | None:
    """A record's id from a form, URL or cell: a whole number 1 … 2³¹−1."""
    return integer(field, value, required=required, min_value=1, max_value=MAX_ID, default=None)


def parse_date(field: str, value: object, *, required: bool = False) -> date | None:
    """A date from a ``date``, an Excel/``datetime`` value, or 2026-03-05, 2026/3/5, 2026年3月5日."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise ValidationError(field, "error.required")
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    s = str(value).strip()
    for pattern in _DATE_FORMS:
        m = pattern.match(s)
        if m:
            try:
                return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            except ValueError:
                break
    raise ValidationError(field, "error.bad_date", value=s)


def choice(field: str, value: object, enum: type[E], *, default: E | None = None) -> E:
    """A member of ``enum`` by its code."""
    if value is None or value == "":
        if default is None:
            raise ValidationError(field, "error.required")
        return default
    if isinstance(value, enum):
        return value
    try:
        return enum(str(value))
    except ValueError:
        raise ValidationError(field, "error.unknown_choice", value=str(value)) from None


def one_of(field: str, value: object, allowed: Iterable[int]) -> int:
    """An id that must be among ``allowed``."""
    try:
        n = int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        raise ValidationError(field, "error.required") from None
    if n not in set(allowed):
        raise ValidationError(field, "error.unknown_choice", value=str(value))
    return n
