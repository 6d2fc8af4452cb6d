"""The rule base classes: one rule module holds everything about a rule (docs, cases, check, fix,
confirmation, passes), and the class attributes are the single source of truth for what a user sees.

Two kinds of rule, two typed protocols:

- `StaticRule` judges the IR (`check(ir, options)`) in the passes named by `PASSES` ("source",
  "graph"); it may `fix` a finding (a libcst rewrite) and `confirm` it on a `ProbeReport`.
- `ProbeRule` judges what one real batch measured (`check(report, options)`, the "dynamic" pass).
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar, NamedTuple

from relulint.finding import Finding, Fix, Severity
from relulint.ir import ModelIR, Origin

if TYPE_CHECKING:
    from relulint.dynamic.stats import ProbeReport
    from relulint.fixes import Parsed

# Each rule's page, generated from its docstring (tests/test_rule_pages.py keeps them in sync).
DOCS_PATH = "docs/rules/{code}.md"


@dataclass(frozen=True)
class Valid:
    """Code on which the rule must stay silent."""

    code: str
    files: tuple[tuple[str, str], ...] = ()  # extra neighbour files (name, code)

    @property
    def source(self) -> str:
        return _dedent(self.code)


@dataclass(frozen=True)
class Invalid:
    """Code on which the rule must fire on exactly the lines marked `# expect: CODE`.

    `fixed` is the whole source after every fix of the rule is applied (`--unsafe-fixes`); None
    means the rule offers no fix for this case. The rule's fix availability follows from these.
    """

    code: str
    files: tuple[tuple[str, str], ...] = ()
    fixed: str | None = None

    @property
    def source(self) -> str:
        return _dedent(self.code)

    @property
    def fixed_source(self) -> str | None:
        return None if self.fixed is None else _dedent(self.fixed)


@dataclass(frozen=True)
class GraphCase:
    """A graph version of a rule's case: `relulint_graph()` in `code` returns (model, example input,
    declared input range or None); the model is exported and linted with `loss` as the graph loss.
    The rule must fire `fires` times on the exported graph."""

    code: str
    fires: int = 0
    loss: str | None = None

    @property
    def source(self) -> str:
        return _dedent(self.code)


def _dedent(code: str) -> str:
    return textwrap.dedent(code).strip("\n") + "\n"


@dataclass(frozen=True)
class Confirmation:
    """What a probe measured about a static finding: confirmed or not, and the figures either way."""

    confirmed: bool
    text: str
    figures: dict = field(default_factory=dict)

    @property
    def measured(self) -> dict:
        return {"text": self.text, **self.figures}


class ProbeHit(NamedTuple):
    """One dynamic finding: the probed layer it is about, the message fields, the evidence."""

    layer: str | None
    fields: dict
    evidence: dict


class Rule:
    """What every rule declares; subclass `StaticRule` or `ProbeRule`, not this."""

    CODE: ClassVar[str]
    NAME: ClassVar[str]
    SEVERITY: ClassVar[Severity] = Severity.WARNING
    MESSAGE: ClassVar[str]  # str.format template filled from finding(**fields)
    FIX_TITLE: ClassVar[str | None] = None
    OPTIONS: ClassVar[dict[str, object]] = {}
    PASSES: ClassVar[frozenset[str]] = frozenset()
    VALID: ClassVar[list[Valid]] = []
    INVALID: ClassVar[list[Invalid]] = []
    GRAPH_CASES: ClassVar[list[GraphCase]] = []

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

    # --- what the docs and `relulint rule` show

    @classmethod
    def doc(cls) -> str:
        return textwrap.dedent(cls.__doc__ or "").strip()

    @classmethod
    def section(cls, title: str) -> str | None:
        """The text under `## title`, or None when the docs have no such section."""
        m = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", cls.doc(), re.M | re.S)
        return m.group(1).strip() if m else None

    @classmethod
    def summary(cls) -> str:
        """The first sentence under '## What it does'."""
        body = cls.section("What it does")
        return " ".join(body.split("\n\n")[0].split()) if body else cls.NAME

    @classmethod
    def url(cls) -> str:
        return DOCS_PATH.format(code=cls.CODE)

    @classmethod
    def fix_availability(cls) -> str:
        """Always | Sometimes | None, from the cases: an INVALID case with `fixed` code has a fix."""
        fixed = [case.fixed is not None for case in cls.INVALID]
        if fixed and all(fixed):
            return "Always"
        return "Sometimes" if any(fixed) else "None"

    @classmethod
    def confirms(cls) -> bool:
        return False


class StaticRule(Rule):
    """Judges the IR lowered from source or from an exported graph."""

    PASSES: ClassVar[frozenset[str]] = frozenset({"source"})

    def check(self, ir: ModelIR, options: dict) -> Iterable[Finding]:  # pragma: no cover - abstract
        raise NotImplementedError

    def check_module(self, irs: list[ModelIR], options: dict) -> Iterator[Finding]:
        """Run over every network of a file; rules that judge the file as a whole override this."""
        for ir in irs:
            yield from self.check(ir, options)

    def fix(self, finding: Finding, parsed: Parsed) -> Fix | None:
        """The rewrite for one of this rule's findings (libcst, on the parsed file), or None."""
        return None

    def confirm(self, finding: Finding, report: ProbeReport, options: dict) -> Confirmation | None:
        """Judge one of this rule's findings on what a batch measured; None when the report cannot tell."""
        return None

    @classmethod
    def confirms(cls) -> bool:
        return cls.confirm is not StaticRule.confirm


class ProbeRule(Rule):
    """Judges what one real batch measured (`relulint --dynamic`); never runs on the IR."""

    PASSES: ClassVar[frozenset[str]] = frozenset({"dynamic"})

    def check(self, report: ProbeReport, options: dict) -> Iterable[ProbeHit]:  # pragma: no cover - abstract
        raise NotImplementedError


def after_steps(step: int) -> str:
    """The message suffix of a finding measured during a short training run."""
    return f" (after {step} training step{'s' if step > 1 else ''})" if step else ""
