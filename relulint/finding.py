"""Findings, fixes and severities: what rules produce and reporters render."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from relulint.ir import Origin


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True)
class Edit:
    """Replace [start, end) with content; positions as in Origin (1-based line, 0-based col)."""

    content: str
    line: int
    col: int
    end_line: int
    end_col: int


@dataclass(frozen=True)
class Fix:
    message: str
    edits: tuple[Edit, ...] = ()
    applicability: str = "unsafe"  # safe | unsafe | display-only


@dataclass
class Finding:
    code: str
    name: str
    severity: Severity
    message: str
    origin: Origin
    evidence: dict = field(default_factory=dict)
    fix: Fix | None = None
    help: str | None = None  # the fix title when there is no machine-applicable fix
    related: list[tuple[Origin, str]] = field(default_factory=list)
    confirmation: str | None = None  # confirmed | not-confirmed | None (no dynamic pass)
    measured: dict | None = None

    @property
    def path(self) -> str:
        return self.origin.path

    @property
    def sort_key(self) -> tuple:
        return (self.origin.path, self.origin.line, self.origin.col, self.code)
