"""Settings: which rules run where, with which options, and where they come from.

The engine only asks `is_enabled`, `options_for` and `severity_for`. Loading follows ruff: the
closest `pyproject.toml` that has a `[tool.relulint]` table (no cascade merging), `--config PATH`
overrides discovery, `--isolated` ignores every file, and every key, code and value is validated:
a mistake is a `ConfigError` (the CLI turns it into one message and exit 2), never a silent default.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from pathlib import Path

from relulint.finding import Severity

DEFAULT_SELECT = ["RL0", "RL1", "RL2", "RL3", "RL4", "RL5"]
DEFAULT_EXCLUDE = [".git", ".venv", "venv", "build", "dist", "__pycache__", "node_modules", ".tox",
                   ".relulint_cache"]

_SELECTOR = re.compile(r"^RL\d{0,3}$")


class ConfigError(Exception):
    """A configuration mistake: reported as one line, exit code 2."""


@dataclass
class Settings:
    select: list[str] = field(default_factory=lambda: list(DEFAULT_SELECT))
    extend_select: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)
    per_file_ignores: dict[str, list[str]] = field(default_factory=dict)
    exclude: list[str] | None = None  # None: DEFAULT_EXCLUDE
    extend_exclude: list[str] = field(default_factory=list)
    rule_options: dict[str, dict] = field(default_factory=dict)
    severity: dict[str, str] = field(default_factory=dict)
    root: Path | None = None  # the directory of the config file; per-file patterns are relative to it
    config_path: Path | None = None
    input_range: tuple[float, float] | None = None
    graph_loss: str | None = None  # the loss an exported graph is trained with: graphs do not carry it
    dynamic: dict = field(default_factory=dict)
    respect_gitignore: bool = True
    force_exclude: bool = False
    output_format: str | None = None
    project_root: str | None = None  # set per run (relulint.project): nothing outside it is opened
    max_file_size: int = 2_000_000  # bytes per source file (relulint.safe_read.MAX_SOURCE_BYTES)

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

    @property
    def excludes(self) -> list[str]:
        return list(DEFAULT_EXCLUDE if self.exclude is None else self.exclude) + list(self.extend_exclude)

    def selection_reason(self, code: str) -> str:
        """Why a code is on or off, for --show-settings."""
        if code.startswith("RL00"):
            why = "engine diagnostic (always selected)"
        else:
            hits = [s for s in self.select + self.extend_select if s == "ALL" or code.startswith(s)]
            if not hits:
                return "off: not selected"
            why = f"selected by {hits[0]!r}"
        ignored = [s for s in self.ignore if s == "ALL" or code.startswith(s)]
        if ignored:
            return f"off: ignored by {ignored[0]!r}"
        return "on: " + why


def _matches(code: str, selectors: list[str]) -> bool:
    return any(code.startswith(s) for s in selectors) or "ALL" in selectors


# ------------------------------------------------------------------------------------ known codes


def known_codes() -> set[str]:
    """Every code a selector or a suppression may name: the rules' codes plus the engine's."""
    from relulint.rules import catalog

    return set(catalog())


def code_name(code: str) -> str | None:
    from relulint.rules import catalog

    return catalog().get(code)


def check_selectors(selectors: list[str], where: str) -> list[str]:
    """Codes or prefixes ('RL1', 'RL20', 'RL101', 'ALL'); one that selects nothing is an error."""
    if not isinstance(selectors, list) or not all(isinstance(s, str) for s in selectors):
        raise ConfigError(f"{where}: expected a list of rule codes, got {selectors!r}")
    codes = known_codes()
    for s in selectors:
        if s == "ALL":
            continue
        if not _SELECTOR.match(s) or not any(c.startswith(s) for c in codes):
            raise ConfigError(f"{where}: unknown rule code or prefix {s!r} "
                              f"(codes look like RL101; prefixes like RL1 select a group)")
    return list(selectors)


# ------------------------------------------------------------------------------------ loading

KEYS = {
    "select", "extend-select", "ignore", "per-file-ignores", "exclude", "extend-exclude",
    "respect-gitignore", "force-exclude", "output-format", "input-range", "graph-loss", "severity", "rules", "dynamic",
    "max-file-size",
}


def find_config(start: Path) -> Path | None:
    """The closest pyproject.toml at or above `start` that has a [tool.relulint] table."""
    from relulint.project import repository_root

    start = start.resolve()
    folder = start if start.is_dir() else start.parent
    repo = repository_root(str(folder))
    for d in (folder, *folder.parents):
        candidate = d / "pyproject.toml"
        if candidate.is_file() and "relulint" in _read_toml(candidate).get("tool", {}):
            return candidate
        if repo is not None and str(d) == repo:
            return None  # nothing above the repository is part of the project, nor read
    return None


def _read_toml(path: Path) -> dict:
    import tomllib

    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from None


def load_config_table(path: Path) -> dict:
    """The relulint table of a config file: [tool.relulint] of a pyproject.toml, else the whole
    file (a relulint.toml passed with --config)."""
    data = _read_toml(path)
    if path.name == "pyproject.toml" or "tool" in data:
        table = data.get("tool", {}).get("relulint", {})
    else:
        table = data
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [tool.relulint] must be a table")
    return table


def load_settings(start: Path | None = None, config: Path | None = None, isolated: bool = False) -> Settings:
    """Settings from `config`, else from the closest configured pyproject.toml above `start`."""
    if isolated:
        return Settings(root=Path.cwd())
    if config is not None:
        if not config.is_file():
            raise ConfigError(f"--config: no such file: {config}")
        path: Path | None = config
    else:
        path = find_config(start or Path.cwd())
    if path is None:
        return Settings(root=Path.cwd())
    return settings_from_table(load_config_table(path), path)


def settings_from_table(table: dict, path: Path) -> Settings:
    where = str(path)
    unknown = sorted(set(table) - KEYS)
    if unknown:
        raise ConfigError(f"{where}: unknown key {unknown[0]!r} in [tool.relulint] "
                          f"(known: {', '.join(sorted(KEYS))})")
    s = Settings(root=path.resolve().parent, config_path=path.resolve())
    if "select" in table:
        s.select = check_selectors(table["select"], f"{where}: select")
    s.extend_select = check_selectors(table.get("extend-select", []), f"{where}: extend-select")
    s.ignore = check_selectors(table.get("ignore", []), f"{where}: ignore")
    s.per_file_ignores = check_per_file_ignores(table.get("per-file-ignores", {}), f"{where}: per-file-ignores")
    if "exclude" in table:
        s.exclude = _str_list(table["exclude"], f"{where}: exclude")
    s.extend_exclude = _str_list(table.get("extend-exclude", []), f"{where}: extend-exclude")
    s.respect_gitignore = _bool(table.get("respect-gitignore", True), f"{where}: respect-gitignore")
    s.force_exclude = _bool(table.get("force-exclude", False), f"{where}: force-exclude")
    if "output-format" in table:
        s.output_format = check_output_format(table["output-format"], f"{where}: output-format")
    if "input-range" in table:
        s.input_range = check_input_range(table["input-range"], f"{where}: input-range")
    if "graph-loss" in table:
        s.graph_loss = check_graph_loss(table["graph-loss"], f"{where}: graph-loss")
    if "max-file-size" in table:
        s.max_file_size = check_file_size(table["max-file-size"], f"{where}: max-file-size")
    s.severity = check_severity(table.get("severity", {}), f"{where}: [tool.relulint.severity]")
    s.rule_options = check_rule_options(table.get("rules", {}), where)
    dynamic = table.get("dynamic", {})
    if not isinstance(dynamic, dict):
        raise ConfigError(f"{where}: [tool.relulint.dynamic] must be a table")
    s.dynamic = dict(dynamic)
    return s


def check_file_size(value: object, where: str) -> int:
    """Bytes per source file; larger files get one RL001 instead of being linted."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigError(f"{where}: expected a positive number of bytes, got {value!r}")
    return value


def _str_list(value: object, where: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where}: expected a list of strings, got {value!r}")
    return list(value)


def _bool(value: object, where: str) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(f"{where}: expected true or false, got {value!r}")
    return value


def check_per_file_ignores(table: object, where: str) -> dict[str, list[str]]:
    if not isinstance(table, dict):
        raise ConfigError(f"{where}: expected a table of glob = [codes]")
    return {str(pattern): check_selectors(codes, f"{where}: {pattern!r}") for pattern, codes in table.items()}


def check_output_format(value: object, where: str) -> str:
    from relulint.report import FORMATS

    if not isinstance(value, str) or value not in FORMATS:
        raise ConfigError(f"{where}: unknown output format {value!r} (one of: {', '.join(FORMATS)})")
    return value


def check_input_range(value: object, where: str) -> tuple[float, float]:
    ok = (isinstance(value, list | tuple) and len(value) == 2
          and all(isinstance(v, int | float) and not isinstance(v, bool) for v in value))
    if not ok:
        raise ConfigError(f"{where}: expected [low, high], got {value!r}")
    low, high = float(value[0]), float(value[1])
    if not low < high:
        raise ConfigError(f"{where}: low must be below high, got [{low:g}, {high:g}]")
    return low, high


def check_graph_loss(value: object, where: str) -> str:
    from relulint.knowledge import LOSS_KINDS

    if not isinstance(value, str) or value not in LOSS_KINDS:
        raise ConfigError(f"{where}: unknown loss kind {value!r} (one of: {', '.join(sorted(LOSS_KINDS))})")
    return value


def check_severity(table: object, where: str) -> dict[str, str]:
    if not isinstance(table, dict):
        raise ConfigError(f"{where}: expected a table of CODE = \"error\" | \"warning\" | \"info\"")
    codes = known_codes()
    levels = [s.value for s in Severity]
    for code, level in table.items():
        if code not in codes:
            raise ConfigError(f"{where}: unknown rule code {code!r}")
        if level not in levels:
            raise ConfigError(f"{where}: {code} = {level!r}: severity must be one of {', '.join(levels)}")
    return dict(table)


def check_rule_options(table: object, where: str) -> dict[str, dict]:
    """[tool.relulint.rules.RLxxx] tables: keys must be the rule's OPTIONS, values of the same type."""
    from relulint.rules import BY_CODE

    if not isinstance(table, dict):
        raise ConfigError(f"{where}: [tool.relulint.rules] must hold one table per rule code")
    out: dict[str, dict] = {}
    for code, options in table.items():
        here = f"{where}: [tool.relulint.rules.{code}]"
        rule = BY_CODE.get(code)
        if rule is None:
            if code in known_codes():
                raise ConfigError(f"{here}: {code} has no options")
            raise ConfigError(f"{here}: unknown rule code {code!r}")
        if not isinstance(options, dict):
            raise ConfigError(f"{here}: expected a table of options")
        for key, value in options.items():
            if key not in rule.OPTIONS:
                known = ", ".join(sorted(rule.OPTIONS)) or "none"
                raise ConfigError(f"{here}: unknown option {key!r} (options of {code}: {known})")
            _check_option_type(value, rule.OPTIONS[key], f"{here}: {key}")
        out[code] = dict(options)
    return out


def _check_option_type(value: object, default: object, where: str) -> None:
    if isinstance(default, bool):
        ok = isinstance(value, bool)
    elif isinstance(default, int | float):
        ok = isinstance(value, int | float) and not isinstance(value, bool)
    elif isinstance(default, list | tuple | set | frozenset):
        ok = isinstance(value, list)
    elif isinstance(default, str):
        ok = isinstance(value, str)
    else:
        ok = True  # a default of None or a table: the rule validates its own shape
    if not ok:
        raise ConfigError(f"{where}: expected {type(default).__name__} like {default!r}, got {value!r}")
