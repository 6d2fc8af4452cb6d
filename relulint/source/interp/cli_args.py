"""argparse as an API model: a script's options take the defaults it declares.

A training script is configured on its command line (`--loss mse`, `--out-act relu`); relulint never
runs it, so it reads the program as run with no arguments: each `add_argument` default (after its
`type`), `store_true` as False, `set_defaults(...)`. An option with no default, a required one or a
positional argument is unknown, and so is anything parsed by sub-commands."""

from __future__ import annotations

from dataclasses import dataclass, field

from relulint.source.interp.values import UNK, DictVal, ExtRef

PARSER_CLASSES = frozenset({"argparse.ArgumentParser"})
NAMESPACE_CLASSES = frozenset({"argparse.Namespace"})

_ACTION_DEFAULTS = {"store_true": False, "store_false": True}
_CONVERTERS = {"builtins.int": int, "builtins.float": float, "builtins.str": str}
_SAME_PARSER = frozenset({"add_argument_group", "add_mutually_exclusive_group"})


@dataclass(eq=False)
class ArgParser:
    """An ArgumentParser: each option's dest and the value it takes when the script gets no arguments."""

    defaults: dict[str, object] = field(default_factory=dict)


@dataclass(eq=False)
class Namespace:
    """What parse_args() returns: one attribute per option."""

    attrs: dict[str, object] = field(default_factory=dict)


def method(parser: ArgParser, name: str, args: list, kwargs: dict) -> object:
    if name == "add_argument":
        dest, value = _option(args, kwargs)
        if dest is not None:
            parser.defaults[dest] = value
        return UNK
    if name in _SAME_PARSER:
        return parser  # a group's options are the parser's
    if name == "set_defaults":
        parser.defaults.update({k: v for k, v in kwargs.items()})
        return None
    if name == "parse_args":
        return Namespace(dict(parser.defaults))
    if name == "parse_known_args":
        return Namespace(dict(parser.defaults)), UNK
    return UNK  # add_subparsers, print_help, error ...


def attribute(ns: Namespace, name: str) -> object:
    return ns.attrs.get(name, UNK)


def as_dict(ns: Namespace) -> DictVal:
    return DictVal(dict(ns.attrs))


def _option(args: list, kwargs: dict) -> tuple[str | None, object]:
    names = [a for a in args if isinstance(a, str)]
    if len(names) != len(args) or not names:
        return None, UNK
    dest = kwargs.get("dest")
    if not isinstance(dest, str):
        long = next((n for n in names if n.startswith("--")), None)
        short = next((n for n in names if n.startswith("-")), None)
        chosen = long or short or names[0]
        dest = chosen.lstrip("-").replace("-", "_")
    if not dest.isidentifier():
        return None, UNK
    positional = not names[0].startswith("-")
    if kwargs.get("required") is True or positional and kwargs.get("nargs") not in ("?", "*"):
        return dest, UNK
    action = kwargs.get("action")
    if "default" in kwargs:
        value = kwargs["default"]
    elif isinstance(action, str) and action in _ACTION_DEFAULTS:
        value = _ACTION_DEFAULTS[action]
    elif action is None or action in ("store", "append", "count", "store_const"):
        value = None
    else:
        return dest, UNK  # a custom Action class
    kind = kwargs.get("type")
    if isinstance(value, str) and isinstance(kind, ExtRef) and kind.qname in _CONVERTERS:
        try:
            value = _CONVERTERS[kind.qname](value)
        except ValueError:
            value = UNK
    elif isinstance(value, str) and kind is not None and not isinstance(kind, ExtRef):
        value = UNK  # a converter of the program: not run
    return dest, value
