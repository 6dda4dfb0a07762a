"""The one base of every domain value type: immutable, strict about unknown fields."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

__all__ = ["CODE_PATTERN", "Frozen", "split_list"]

#: Identifiers people type (metric ids, org-unit codes, forum ids, action ids).
CODE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$"


class Frozen(BaseModel):
    """A validated, immutable value; unknown fields are an error, text is trimmed."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


def split_list(value: object) -> object:
    """Accept a comma-separated string (as typed in a spreadsheet cell) where a list is expected."""
    if value is None:
        return ()
    if isinstance(value, str):
        return tuple(part.strip() for part in value.split(",") if part.strip())
    return value
