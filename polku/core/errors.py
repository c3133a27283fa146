"""Domain errors shared by services, the API, the CLI and the UI.

A service refuses bad input by raising :class:`ValidationFailed` with one :class:`FieldError`
per problem, each naming the field (or import line) and the reason. Every interface renders the
same list, so a user sees the same message whichever way the data came in.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class ErrorCode(StrEnum):
    """Stable machine-readable reasons (the API and the UI both use them)."""

    REQUIRED = "required"
    INVALID = "invalid"
    INVALID_CHECKSUM = "invalid_checksum"
    NOT_ARTIFICIAL = "not_artificial"
    DUPLICATE = "duplicate"
    UNKNOWN = "unknown"
    OVERLAP = "overlap"
    END_BEFORE_START = "end_before_start"
    TOO_MANY_DAYS = "too_many_days"
    NOT_CURRENT = "not_current"
    FORBIDDEN = "forbidden"
    CONFLICT = "conflict"
    FULL = "full"


@dataclass(frozen=True)
class FieldError:
    """One refused value: which field (or ``line N: field``), a code, and a human reason."""

    field: str
    code: ErrorCode
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "code": str(self.code), "message": self.message}


class ValidationFailed(Exception):  # noqa: N818 - reads as a sentence: raise ValidationFailed(...)
    """Input refused; nothing was written."""

    def __init__(self, errors: list[FieldError]) -> None:
        self.errors = errors
        super().__init__("; ".join(f"{e.field}: {e.message}" for e in errors))

    @classmethod
    def single(cls, field: str, code: ErrorCode, message: str) -> ValidationFailed:
        return cls([FieldError(field, code, message)])


def raise_if(errors: list[FieldError]) -> None:
    """Refuse the input when any check found a problem (every write service validates first, then calls this)."""
    if errors:
        raise ValidationFailed(errors)


class AccessDenied(Exception):  # noqa: N818
    """The user's role or scope does not allow this read or write."""
