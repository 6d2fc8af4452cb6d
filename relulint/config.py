"""Settings: which rules run where, with which options. Loading from pyproject.toml lives in
`load_settings`; the engine only asks `is_enabled`, `options_for` and `severity_for`."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path

from relulint.finding import Severity

DEFAULT_SELECT = ["RL0", "RL1", "RL2", "RL3", "RL4", "RL5"]


@dataclass
class Settings:
    select: list[str] = field(default_factory=lambda: list(DEFAULT_SELECT))
    extend_select: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)
    per_file_ignores: dict[str, list[str]] = field(default_factory=dict)
    exclude: list[str] | None = None
    extend_exclude: list[str] = field(default_factory=list)
    rule_options: dict[str, dict] = field(default_factory=dict)
    severity: dict[str, str] = field(default_factory=dict)
    root: Path | None = None  # the directory of the config file; per-file patterns are relative to it
    config_path: Path | None = None
    input_range: tuple[float, float] | None = None
    dynamic: dict = field(default_factory=dict)

    def is_enabled(self, code: str, path: str | None = None) -> bool:
        if code.startswith("RL00"):  # engine diagnostics cannot be deselected, only ignored
            selected = True
        else:
            selected = _matches(code, self.select + self.extend_select)
        if not selected or _matches(code, self.ignore):
            return False
        if path is not None and self.per_file_ignores:
            from relulint.config_paths import per_file_ignored

            if per_file_ignored(code, path, self.per_file_ignores, self.root):
                return False
        return True

    def options_for(self, rule_cls: type) -> dict:
        options = copy.deepcopy(dict(rule_cls.OPTIONS))
        options.update(self.rule_options.get(rule_cls.CODE, {}))
        return options

    def severity_for(self, code: str, default: Severity) -> Severity:
        s = self.severity.get(code)
        return Severity(s) if s else default


def _matches(code: str, selectors: list[str]) -> bool:
    return any(code.startswith(s) for s in selectors) or "ALL" in selectors
