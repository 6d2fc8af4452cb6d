"""The rule base class: class attributes are the single source of truth for everything a user sees."""

from __future__ import annotations

import textwrap
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import ClassVar

from relulint.finding import Finding, Fix, Severity
from relulint.model import ModelIR, Origin

# Each rule's page, generated from its docstring (tests/test_rule_pages.py keeps them in sync).
DOCS_PATH = "docs/rules/{code}.md"


@dataclass(frozen=True)
class Valid:
    """Code on which the rule must stay silent."""

    code: str
    files: tuple[tuple[str, str], ...] = ()  # extra neighbour files (name, code)

    @property
    def source(self) -> str:
        return textwrap.dedent(self.code).strip("\n") + "\n"


@dataclass(frozen=True)
class Invalid:
    """Code on which the rule must fire on exactly the lines marked `# expect: CODE`."""

    code: str
    files: tuple[tuple[str, str], ...] = ()

    @property
    def source(self) -> str:
        return textwrap.dedent(self.code).strip("\n") + "\n"


class Rule:
    CODE: ClassVar[str]
    NAME: ClassVar[str]
    SEVERITY: ClassVar[Severity] = Severity.WARNING
    MESSAGE: ClassVar[str]  # str.format template filled from finding(**fields)
    FIX_TITLE: ClassVar[str | None] = None
    OPTIONS: ClassVar[dict[str, object]] = {}
    PASSES: ClassVar[frozenset[str]] = frozenset({"source"})
    VALID: ClassVar[list[Valid]] = []
    INVALID: ClassVar[list[Invalid]] = []

    def check(self, ir: ModelIR, options: dict) -> Iterable[Finding]:  # pragma: no cover - abstract
        raise NotImplementedError

    def check_module(self, irs: list[ModelIR], options: dict) -> Iterator[Finding]:
        """Run over every network of a file; rules that judge the file as a whole override this."""
        for ir in irs:
            yield from self.check(ir, options)

    # --- helpers for subclasses

    def finding(
        self,
        at: Origin,
        *,
        evidence: dict | None = None,
        related: list[tuple[Origin | None, str]] | None = None,
        fix: Fix | None = None,
        **fields: object,
    ) -> Finding:
        return Finding(
            code=self.CODE,
            name=self.NAME,
            severity=self.SEVERITY,
            message=self.MESSAGE.format(**fields),
            origin=at,
            evidence=evidence or {},
            fix=fix,
            help=self.FIX_TITLE.format(**fields) if self.FIX_TITLE else None,
            related=[(o, m) for o, m in (related or []) if o is not None and o != at],
        )

    @classmethod
    def doc(cls) -> str:
        return textwrap.dedent(cls.__doc__ or "").strip()

    @classmethod
    def summary(cls) -> str:
        """The first sentence under '## What it does'."""
        doc = cls.doc()
        if "## What it does" in doc:
            body = doc.split("## What it does", 1)[1].strip().split("\n\n")[0]
            return " ".join(body.split())
        return cls.NAME

    @classmethod
    def url(cls) -> str:
        return DOCS_PATH.format(code=cls.CODE)
