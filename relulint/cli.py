"""`relulint`: check (the default command), rule, lsp, version.

Exit codes (ruff): 0 no findings, 1 findings, 2 usage, configuration or internal error.
Nothing here imports torch, TensorFlow, onnx or pygls at import time: the dynamic pass, fixes, the
cache, the language server and the machine formats are imported only when asked for.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
from pathlib import Path

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
COMMANDS = ("check", "rule", "lsp", "clean", "version")


class UsageError(Exception):
    """Reported as `error: ...` on stderr with exit code 2."""


# ------------------------------------------------------------------------------------ parsers


def _csv(value: str) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()]


def _count(what: str):
    """A positive integer option whose errors name what it counts (--jobs: processes, --steps: steps)."""

    def parse(value: str) -> int:
        try:
            n = int(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a number of {what}, got {value!r}") from None
        if n < 1:
            raise argparse.ArgumentTypeError(f"expected a positive number of {what}, got {n}")
        return n

    parse.__name__ = what  # argparse names the type in some messages
    return parse


def _seconds(value: str) -> float:
    try:
        n = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {value!r}") from None
    if not n > 0 or n == float("inf"):
        raise argparse.ArgumentTypeError(f"expected a positive number of seconds, got {value!r}")
    return n


def max_jobs() -> int:
    """More processes than 4 per CPU only add memory and start-up time."""
    return 4 * (os.cpu_count() or 1)


def _input_range(value: str) -> tuple[float, float]:
    try:
        low, high = (float(v) for v in value.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected LOW,HIGH (e.g. 0,255 or =-1,1), got {value!r}") from None
    if not low < high:
        raise argparse.ArgumentTypeError(f"LOW must be below HIGH, got {value!r}")
    return low, high


def _graph_loss(value: str) -> str:
    from relulint.knowledge import LOSS_KINDS

    if value not in LOSS_KINDS:
        raise argparse.ArgumentTypeError(f"unknown loss kind {value!r} (one of: {', '.join(sorted(LOSS_KINDS))})")
    return value


def _formats() -> list[str]:
    from relulint.report import ALIASES, FORMATS

    return [*FORMATS, *ALIASES]


def build_parser() -> argparse.ArgumentParser:
    from relulint import __version__

    top = argparse.ArgumentParser(
        prog="relulint",
        description="Find the training pathologies that kill ReLU networks, before training.",
        epilog="`relulint PATH...` is short for `relulint check PATH...`. "
               "Exit codes: 0 clean, 1 findings, 2 usage/config/internal error.",
    )
    top.add_argument("--version", action="version", version=f"relulint {__version__}")
    sub = top.add_subparsers(dest="command", metavar="COMMAND")
    _add_check(sub.add_parser("check", help="lint files and directories (the default command)"))

    rule = sub.add_parser("rule", help="explain a rule: `relulint rule RL201`, `relulint rule --all`")
    rule.add_argument("code", nargs="?", help="rule code, e.g. RL201")
    rule.add_argument("--all", action="store_true", help="explain every rule")
    rule.add_argument("--output-format", "--format", dest="output_format", choices=["text", "json"],
                      default="text", help="text (markdown) or json")

    lsp = sub.add_parser("lsp", help="run the language server (needs `pip install 'relulint[lsp]'`)",
                         description="relulint language server")
    add_lsp_arguments(lsp)

    clean = sub.add_parser("clean", help="remove the result cache of the project in the current folder")
    clean.add_argument("--cache-dir", metavar="DIR", help="the cache folder to remove (default: the project's)")
    clean.add_argument("-q", "--quiet", action="store_true", help="print nothing")

    sub.add_parser("version", help="print the version")
    return top


def add_lsp_arguments(p: argparse.ArgumentParser) -> None:
    """`relulint lsp`'s options, shared by `relulint lsp --help` and the server's own parser."""
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--stdio", action="store_true", help="speak LSP over stdin/stdout (default)")
    mode.add_argument("--tcp", type=int, metavar="PORT", help="listen on a TCP port instead")
    p.add_argument("--host", default="127.0.0.1", help="address for --tcp (default 127.0.0.1)")
    p.add_argument("--timeout", type=_seconds, metavar="SECONDS", default=20.0,
                   help="time limit per lint of a document (default 20); over it the document gets one RL001")
    p.add_argument("-v", "--verbose", action="store_true", help="log to stderr at debug level")


def _add_check(p: argparse.ArgumentParser) -> None:
    p.add_argument("paths", nargs="*", metavar="PATH",
                   help="files or directories to lint (default: .); '-' reads Python source from stdin")
    sel = p.add_argument_group("rule selection")
    sel.add_argument("--select", type=_csv, metavar="CODES",
                     help="comma-separated codes or prefixes to enable; replaces `select` (e.g. RL1,RL201)")
    sel.add_argument("--extend-select", type=_csv, action="append", default=[], metavar="CODES",
                     help="codes or prefixes to enable on top of `select`")
    sel.add_argument("--ignore", type=_csv, action="append", default=[], metavar="CODES",
                     help="codes or prefixes to disable")
    sel.add_argument("--per-file-ignores", action="append", default=[], metavar="GLOB:CODES",
                     help="ignore codes in matching files, e.g. 'tests/**:RL301' (repeatable)")
    files = p.add_argument_group("file selection")
    files.add_argument("--exclude", type=_csv, metavar="GLOBS", help="replace the exclude patterns")
    files.add_argument("--extend-exclude", type=_csv, action="append", default=[], metavar="GLOBS",
                       help="add exclude patterns")
    files.add_argument("--respect-gitignore", dest="respect_gitignore", action="store_true", default=None,
                       help="skip files ignored by .gitignore (default)")
    files.add_argument("--no-respect-gitignore", dest="respect_gitignore", action="store_false",
                       help="lint files even when .gitignore ignores them")
    files.add_argument("--force-exclude", dest="force_exclude", action="store_true", default=None,
                       help="apply excludes to files named on the command line too (for pre-commit)")
    files.add_argument("--no-force-exclude", dest="force_exclude", action="store_false")
    files.add_argument("--skip-checkpoints", action="store_true",
                       help="skip named .pt/.pth files that hold no graph (torch.save checkpoints), "
                            "as directory walks do (for pre-commit)")
    files.add_argument("--stdin-filename", metavar="PATH",
                       help="the path of the source read from '-', for configuration and reports")
    files.add_argument("--show-files", action="store_true", help="print the files that would be linted and exit")
    cfg = p.add_argument_group("configuration")
    cfg.add_argument("--config", type=Path, metavar="PATH",
                     help="use this pyproject.toml (or relulint.toml) instead of searching for one")
    cfg.add_argument("--isolated", action="store_true", help="ignore all configuration files")
    cfg.add_argument("--show-settings", action="store_true",
                     help="print the resolved settings and enabled rules, then exit")
    cfg.add_argument("--input-range", type=_input_range, metavar="LOW,HIGH",
                     help="declared range of the model inputs (write --input-range=-1,1 for negatives)")
    cfg.add_argument("--graph-loss", type=_graph_loss, metavar="KIND",
                     help="the loss the exported model is trained with, e.g. mse; graphs do not carry it")
    out = p.add_argument_group("output")
    out.add_argument("--output-format", "--format", dest="output_format", choices=_formats(), metavar="FORMAT",
                     help="concise (default), full (with source), json, sarif, github, lsp, junit")
    out.add_argument("-o", "--output-file", metavar="PATH", help="write the report to a file instead of stdout")
    out.add_argument("--show-source", dest="show_source", action="store_true", default=None,
                     help="show a code frame for each finding (= --output-format full)")
    out.add_argument("--no-show-source", dest="show_source", action="store_false")
    out.add_argument("--color", choices=["auto", "always", "never"], default="auto",
                     help="colour the human formats (auto: on a terminal unless NO_COLOR is set)")
    out.add_argument("--statistics", action="store_true", help="count findings per rule instead of listing them")
    out.add_argument("--exit-zero", action="store_true", help="exit 0 even when there are findings")
    out.add_argument("-q", "--quiet", action="store_true", help="print findings only, no summary")
    out.add_argument("-v", "--verbose", action="store_true",
                     help="explain skipped files and show tracebacks of internal errors")
    fix = p.add_argument_group("fixes")
    fix.add_argument("--fix", action="store_true",
                     help="apply safe fixes (ones that keep what the code computes) to the files")
    fix.add_argument("--diff", action="store_true", help="print the fixes as a diff; change nothing")
    fix.add_argument("--unsafe-fixes", action="store_true",
                     help="also apply unsafe fixes: ones that change what the model computes. Every relulint "
                          "rule fix is unsafe (it removes an activation, re-centres an init, changes a loss); "
                          "the safe ones (RL005: an unused suppression) need only --fix")
    fix.add_argument("--add-noqa", action="store_true",
                     help="add `# noqa: RLxxx` to every line with a finding (keeps other tools' codes)")
    run = p.add_argument_group("run")
    run.add_argument("--jobs", "-j", type=_count("processes"), metavar="N", help="processes for the source pass (default: auto)")
    run.add_argument("--timeout", type=_seconds, metavar="SECONDS",
                     help="time budget per file: a file that takes longer gets one RL001 saying which stage "
                          "the time went to, and the run goes on (files then run in worker processes)")
    run.add_argument("--no-cache", action="store_true", help="do not read or write the result cache")
    run.add_argument("--cache-dir", metavar="DIR",
                     help="where the result cache lives (default: .relulint_cache in the project root; "
                          "env RELULINT_CACHE_DIR)")
    dyn = p.add_argument_group("dynamic pass (opt-in)")
    dyn.add_argument("--dynamic", action="store_true",
                     help="ALSO IMPORT AND RUN the user's code: build the model via --entry and push one "
                          "real batch through it to confirm or dismiss findings. Only on code you trust")
    dyn.add_argument("--entry", metavar="MODULE:FUNC", help="function returning the model (and batch, loss)")
    dyn.add_argument("--device", choices=["cpu", "cuda"], help="device for the probe (default: cuda if present)")
    dyn.add_argument("--steps", type=_count("training steps"), metavar="N", help="training steps to probe")
    dyn.add_argument("--inputs", metavar="FILE.npz", help="input batch to probe with")
    dyn.add_argument("--plot", metavar="PNG", help="write a per-layer plot of the probe")
    dyn.add_argument("--tensorboard", metavar="DIR", help="write the probe's figures for TensorBoard")


# ------------------------------------------------------------------------------------ main


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or (argv[0] not in COMMANDS and argv[0] not in ("-h", "--help", "--version")):
        argv = ["check", *argv]
    # `relulint lsp ...` hands its arguments to the server untouched
    if argv[0] == "lsp" and not {"-h", "--help"} & set(argv[1:]):
        return _lsp(argv[1:])
    parser = build_parser()
    if argv[0] == "check":  # options may follow paths (`relulint a.py --no-cache b.py`), as in ruff
        args = subparser(parser, "check").parse_intermixed_args(argv[1:])  # usage errors exit 2
        args.command = "check"
    else:
        args = parser.parse_args(argv)
    verbose = bool(getattr(args, "verbose", False))
    try:
        if args.command == "version":
            from relulint import __version__

            print(f"relulint {__version__}")
            return EXIT_CLEAN
        if args.command == "rule":
            return _rule(args)
        if args.command == "clean":
            return _clean(args)
        return _check(args)
    except UsageError as exc:
        _error(str(exc))
        return EXIT_ERROR
    except KeyboardInterrupt:
        _error("interrupted")
        return EXIT_ERROR
    except BrokenPipeError:  # `relulint . | head`: stop quietly, without a second error at exit
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_FINDINGS
    except Exception as exc:  # an internal crash of relulint itself: exit 2, traceback only with -v
        if verbose:
            import traceback

            traceback.print_exc()
        _error(f"internal error: {type(exc).__name__}: {exc}" + ("" if verbose else " (run with -v for the traceback)"))
        return EXIT_ERROR


def subparser(parser: argparse.ArgumentParser, name: str) -> argparse.ArgumentParser:
    for action in parser._subparsers._group_actions:  # argparse keeps no public handle on them
        if isinstance(action, argparse._SubParsersAction):
            return action.choices[name]
    raise KeyError(name)


def _error(message: str) -> None:
    print(f"relulint: error: {message}", file=sys.stderr)


def _warn(message: str) -> None:
    print(f"relulint: warning: {message}", file=sys.stderr)


# ------------------------------------------------------------------------------------ check


def resolve_settings(args: argparse.Namespace):
    """Config file settings, then the command line on top (CLI > file > defaults)."""
    from relulint import config

    first = next((p for p in args.paths if p != "-"), None) or args.stdin_filename
    start = Path(first) if first else Path.cwd()
    if not start.exists():
        start = Path.cwd()
    try:
        s = config.load_settings(start, args.config, args.isolated)
        if args.select is not None:
            s.select = config.check_selectors(args.select, "--select")
            s.extend_select = []  # a CLI select replaces the file's whole selection (ruff)
        for codes in args.extend_select:
            s.extend_select += config.check_selectors(codes, "--extend-select")
        for codes in args.ignore:
            s.ignore += config.check_selectors(codes, "--ignore")
        for item in args.per_file_ignores:
            pattern, sep, codes = item.rpartition(":")
            if not sep or not pattern:
                raise config.ConfigError(f"--per-file-ignores: expected GLOB:CODES, got {item!r}")
            codes_list = config.check_selectors(_csv(codes), "--per-file-ignores")
            s.per_file_ignores = {**s.per_file_ignores, _cli_pattern(pattern, s.root): codes_list}
        if args.exclude is not None:
            s.exclude = [_cli_pattern(g, s.root) for g in args.exclude]
        for globs in args.extend_exclude:
            s.extend_exclude = [*s.extend_exclude, *(_cli_pattern(g, s.root) for g in globs)]
        if args.respect_gitignore is not None:
            s.respect_gitignore = args.respect_gitignore
        if args.force_exclude is not None:
            s.force_exclude = args.force_exclude
        if args.input_range is not None:
            s.input_range = args.input_range
        if args.graph_loss is not None:
            s.graph_loss = args.graph_loss
    except config.ConfigError as exc:
        raise UsageError(str(exc)) from None
    return s


def _cli_pattern(pattern: str, root: Path | None) -> str:
    """CLI globs are relative to the cwd; config globs to the config dir. Re-anchor the former."""
    negated = pattern.startswith("!")
    body = pattern[1:] if negated else pattern
    if "/" not in body.rstrip("/") or root is None:
        return pattern  # a bare name matches at any depth either way
    try:
        prefix = Path.cwd().resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return pattern
    if prefix in ("", "."):
        return pattern
    return ("!" if negated else "") + f"{prefix}/{body.lstrip('/')}"


def _output_format(args: argparse.Namespace, settings) -> str:
    from relulint.report import canonical

    fmt = canonical(args.output_format or settings.output_format or "concise")
    if args.show_source and fmt == "concise":
        fmt = "full"
    elif args.show_source is False and fmt == "full":
        fmt = "concise"
    return fmt


def _check(args: argparse.Namespace) -> int:
    from relulint import discovery, report

    dynamic_only = [f"--{n}" for n in ("entry", "device", "steps", "inputs", "plot", "tensorboard")
                    if getattr(args, n) is not None]
    if dynamic_only and not args.dynamic:
        raise UsageError(f"{dynamic_only[0]} needs --dynamic")
    if args.select == []:
        raise UsageError("--select needs at least one rule code or prefix (e.g. --select RL1); "
                         "to run no rules, do not run relulint")
    if args.jobs is not None and args.jobs > max_jobs():
        _warn(f"--jobs {args.jobs} is more than 4 per CPU; using {max_jobs()}")
        args.jobs = max_jobs()
    if args.stdin_filename and "-" not in args.paths:
        args.paths.append("-")  # ruff: --stdin-filename implies reading stdin
    paths = args.paths or ["."]
    if (args.fix or args.diff) and "-" in paths and len(paths) > 1:
        raise UsageError("--fix and --diff read either files or stdin ('-'), not both")
    if args.add_noqa and (args.fix or args.diff or "-" in paths):
        raise UsageError("--add-noqa works on files, and not together with --fix or --diff")
    settings = resolve_settings(args)
    fmt = _output_format(args, settings)
    try:
        report.renderer(fmt)  # fail fast (exit 2) before linting when the format is unavailable
    except report.FormatUnavailable as exc:
        raise UsageError(str(exc)) from None
    if args.show_settings:
        print(show_settings(settings, fmt))
        return EXIT_CLEAN

    found = discovery.discover(paths, settings, skip_checkpoints=args.skip_checkpoints)
    if args.verbose:
        for path, why in found.skipped:
            print(f"relulint: skipped {discovery.display_path(path)} ({why})", file=sys.stderr)
    if args.show_files:
        for f in found.files:
            print(f)
        return EXIT_CLEAN
    if not args.quiet:
        for d in found.empty_dirs:
            _warn(f"no Python files found under {d}")

    results = lint(found, settings, args)
    if args.dynamic:
        results = _dynamic(args, results, settings)
    if args.add_noqa:
        return _add_noqa(args, results)
    if args.fix or args.diff or fmt not in _FIX_TITLE_ONLY:
        _refresh_cached_fixes(results)  # edits about to be applied or printed are never the cache's
    fixed = 0
    if (args.fix or args.diff) and found.stdin:
        return _fix_stdin(args, results[-1], settings, fmt)
    if args.fix or args.diff:
        diff_text, results, fixed = _fixes(args, results, settings, found)
        if args.diff:
            sys.stdout.write(diff_text)
            return EXIT_FINDINGS if diff_text.strip() and not args.exit_zero else EXIT_CLEAN
    return _report(args, results, settings, fmt, fixed=fixed)


def lint(found, settings, args: argparse.Namespace) -> list:
    """The static pass over discovered files (through the cache when there is one), plus stdin and
    the named paths that do not exist (RL001, like ruff's E902: reported, and the run goes on)."""
    from relulint.engine import FileResult, engine_finding

    results: list = []
    for missing in found.missing:
        results.append(FileResult(path=missing, findings=[engine_finding(
            "RL001", "unreadable-file", missing, "no such file or directory")]))
    results += _lint_files(found.files, settings, args)
    if found.stdin:
        results.append(_lint_stdin(settings, args))
    for r in results:
        for f in r.findings:
            tb = f.evidence.pop("traceback", None) if isinstance(f.evidence, dict) else None
            if tb and args.verbose:
                print(f"relulint: {f.origin.path}: {f.message}\n{tb}", file=sys.stderr)
    return results


def _lint_files(files: list[str], settings, args: argparse.Namespace) -> list:
    from relulint.engine import lint_paths

    progress = _progress(args, settings, len(files))
    cache = None if args.no_cache else _open_cache(settings, args)
    try:
        if cache is None:
            return lint_paths(files, settings, args.jobs, progress=progress, timeout=getattr(args, "timeout", None))
        return _lint_cached(files, settings, args, cache, progress)
    finally:
        if progress is not None:
            progress.close()
        if cache is not None:
            cache.close()  # prunes stale entries when this run wrote any
            if cache.refused and args.verbose:
                _warn(f"result cache off: {cache.refused}")


def _lint_cached(files: list[str], settings, args: argparse.Namespace, cache, progress) -> list:
    from relulint.engine import lint_paths
    from relulint.safe_read import read_file

    results: dict[str, object] = {}
    contents: dict[str, bytes] = {}
    misses = []
    for p in files:
        try:  # a FIFO, an outside symlink or an oversized file is not read here: the engine reports it
            contents[p] = read_file(p, settings.project_root, _read_limit(p, settings))
            hit = cache.get(p, contents[p])
        except Exception:  # an unreadable file or a broken cache entry: lint it for real
            hit = None
        if hit is not None:
            results[p] = hit
            if progress is not None:
                progress.advance()
        else:
            misses.append(p)
    for r in lint_paths(misses, settings, args.jobs, progress=progress, timeout=getattr(args, "timeout", None)):
        results[r.path] = r
        if r.path in contents:
            try:
                cache.put(r.path, contents[r.path], r)
            except Exception as exc:  # the cache is an optimisation: never fail the run on it
                if args.verbose:
                    _warn(f"cache write failed for {r.path}: {exc}")
    return [results[p] for p in files]


def _progress(args: argparse.Namespace, settings, total: int):
    """A file counter on stderr: only on a terminal, for the human formats, without -q."""
    from relulint import report

    if args.quiet or total < 2 or not getattr(sys.stderr, "isatty", lambda: False)():
        return None
    if not report.is_human(_output_format(args, settings)) or args.statistics:
        return None
    from relulint.report.progress import Progress

    return Progress(total, sys.stderr)


def _read_limit(path: str, settings) -> int | None:
    from relulint.graph import is_graph_file

    return None if is_graph_file(path) else settings.max_file_size


_FIX_TITLE_ONLY = ("concise", "full", "github", "junit")  # formats that show a fix's title, not its edits


def _refresh_cached_fixes(results: list) -> None:
    from relulint.cache import refresh_fixes

    refresh_fixes(results)


def _cache_dir(args: argparse.Namespace) -> str | None:
    return getattr(args, "cache_dir", None) or os.environ.get("RELULINT_CACHE_DIR") or None


def _open_cache(settings, args: argparse.Namespace):
    from relulint.cache import Cache

    return Cache(settings.root or Path.cwd(), settings, _cache_dir(args))


def _lint_stdin(settings, args: argparse.Namespace):
    from relulint.config_paths import excluded
    from relulint.engine import FileResult, engine_finding, exception_summary, lint_source

    path = args.stdin_filename or "-"
    data = sys.stdin.buffer.read()
    args.stdin_bytes = data  # `--fix -` prints the input back when it cannot be fixed
    if args.stdin_filename and settings.force_exclude and excluded(path, settings.excludes, settings.root):
        return FileResult(path=path)
    try:
        code = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return FileResult(path=path, findings=[engine_finding(
            "RL001", "unreadable-file", path, f"not valid UTF-8 (byte {exc.start}): cannot lint as Python source")])
    try:
        return lint_source(code, path, settings)
    except Exception as exc:  # the same per-file isolation lint_file gives files
        import traceback

        return FileResult(path=path, source=code, findings=[engine_finding(
            "RL001", "internal-error", path, f"relulint failed on this file: {exception_summary(exc)}",
            evidence={"traceback": traceback.format_exc()})])


def _dynamic(args: argparse.Namespace, results: list, settings) -> list:
    from relulint.dynamic.cli import run_dynamic  # imports each framework only when probing with it

    return run_dynamic(args, results, settings)


def _fixes(args: argparse.Namespace, results: list, settings, found) -> tuple[str, list, int]:
    """(diff, results after the fixes, findings fixed)."""
    from relulint.fixes import attach_results, fix_results

    attach_results(results)
    outcome = fix_results(results, write=bool(args.fix and not args.diff), unsafe=bool(args.unsafe_fixes))
    if args.fix and not args.diff and outcome.fixed:  # report what is left after the edits
        again = argparse.Namespace(**{**vars(args), "no_cache": True})
        results = lint(dataclasses.replace(found, stdin=False), settings, again)
    return outcome.diff or "", results, outcome.fixed


def _fix_stdin(args: argparse.Namespace, result, settings, fmt: str) -> int:
    """ruff's editor contract: `--fix -` prints the fixed source on stdout (the input unchanged when
    nothing applies) and what remains on stderr; `--diff -` prints the diff."""
    from relulint import report
    from relulint.engine import FileResult, lint_source
    from relulint.fixes import attach_results, fix_results
    from relulint.report import text

    outcome = fix_results(attach_results([result]), write=False, unsafe=bool(args.unsafe_fixes))
    if args.diff:
        sys.stdout.write(outcome.diff)
        return EXIT_FINDINGS if outcome.diff.strip() and not args.exit_zero else EXIT_CLEAN
    new = outcome.sources.get(result.path)
    if new is None:
        sys.stdout.buffer.write(getattr(args, "stdin_bytes", b""))
        remaining = result.findings
    else:
        sys.stdout.write(new)
        remaining = lint_source(new, result.path, settings).findings
    sys.stdout.flush()
    if remaining:
        sys.stderr.write(report.render(fmt, [FileResult(path=result.path, findings=remaining, source=new)], settings,
                                       color=False, unsafe_fixes=args.unsafe_fixes))
    if not args.quiet and report.is_human(fmt):
        print(fix_summary(remaining, outcome.fixed, args.unsafe_fixes) if outcome.fixed
              else text.summary(remaining, args.unsafe_fixes), file=sys.stderr)
    return EXIT_FINDINGS if remaining and not args.exit_zero else EXIT_CLEAN


def fix_summary(remaining: list, fixed: int, unsafe_fixes: bool = False) -> str:
    """ruff's wording after --fix: 'Found 3 findings (2 fixed, 1 remaining).' plus the fix hints."""
    from relulint.report import text

    total = fixed + len(remaining)
    line = f"Found {total} finding{'s' if total != 1 else ''} ({fixed} fixed, {len(remaining)} remaining)."
    hints = text.summary(remaining, unsafe_fixes).split("\n")[1:] if remaining else []
    return "\n".join([line, *hints])


def _add_noqa(args: argparse.Namespace, results: list) -> int:
    """ruff's --add-noqa: a `# noqa: CODES` on every line where a finding starts; exit 0."""
    from relulint.fixes import write_checked
    from relulint.suppress import add_noqa

    added = 0
    for r in results:
        if r.source is None:
            continue
        new, n = add_noqa(r.source, [f for f in r.findings if f.origin.path == r.path])
        if not n:
            continue
        try:
            compile(new, r.path, "exec", dont_inherit=True, flags=0x400)  # ast.PyCF_ONLY_AST
        except (SyntaxError, ValueError):
            _warn(f"{r.path}: noqa not added, the result would not parse")
            continue
        if write_checked(r.path, r.source, new, "noqa not added"):
            added += n
    if not args.quiet:
        print(f"Added {added} noqa directive{'s' if added != 1 else ''}.", file=sys.stderr)
    return EXIT_CLEAN


def _use_color(args: argparse.Namespace, stream) -> bool:
    if args.color == "always":
        return True
    if args.color == "never" or os.environ.get("NO_COLOR"):
        return False
    return bool(getattr(stream, "isatty", lambda: False)())


def _report(args: argparse.Namespace, results: list, settings, fmt: str, fixed: int = 0) -> int:
    import json

    from relulint import report
    from relulint.report import text

    findings = report.all_findings(results)
    human = report.is_human(fmt)
    if args.statistics:
        if human:
            body = text.render_statistics(findings, args.unsafe_fixes)
        else:
            body = json.dumps(text.statistics(findings, args.unsafe_fixes), indent=2) + "\n"
    else:
        stream = sys.stdout if not args.output_file else None
        color = _use_color(args, stream) if human else False
        try:
            body = report.render(fmt, results, settings, color=color, unsafe_fixes=args.unsafe_fixes)
        except report.FormatUnavailable as exc:
            raise UsageError(str(exc)) from None
    if args.output_file:
        try:
            Path(args.output_file).write_text(body, encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"cannot write {args.output_file}: {exc.strerror or exc}") from None
    else:
        sys.stdout.write(body)
        sys.stdout.flush()
    if human and not args.quiet:
        print(fix_summary(findings, fixed, args.unsafe_fixes) if fixed else text.summary(findings, args.unsafe_fixes),
              file=sys.stderr)
    if any(f.code == "RL003" for f in findings):
        return EXIT_ERROR  # the dynamic probe could not run: a usage error, not a lint result
    return EXIT_FINDINGS if findings and not args.exit_zero else EXIT_CLEAN


def show_settings(settings, fmt: str) -> str:
    from relulint.config import code_name, known_codes

    lines = [
        f"config file: {settings.config_path or '(none: defaults)'}",
        f"root: {settings.root}",
        f"select: {settings.select}",
        f"extend-select: {settings.extend_select}",
        f"ignore: {settings.ignore}",
        f"per-file-ignores: {settings.per_file_ignores}",
        f"exclude: {settings.excludes}",
        f"respect-gitignore: {str(settings.respect_gitignore).lower()}",
        f"force-exclude: {str(settings.force_exclude).lower()}",
        f"output-format: {fmt}",
        f"input-range: {list(settings.input_range) if settings.input_range else None}",
        f"graph-loss: {settings.graph_loss}",
        f"severity: {settings.severity}",
        f"rules options: {settings.rule_options}",
        f"dynamic: {settings.dynamic}",
        "rules:",
    ]
    for code in sorted(known_codes()):
        lines.append(f"  {code} {code_name(code)}: {settings.selection_reason(code)}")
    return "\n".join(lines)


# ------------------------------------------------------------------------------------ clean


def _clean(args: argparse.Namespace) -> int:
    from relulint import config
    from relulint.cache import CACHE_DIR, clean

    folder = _cache_dir(args)
    if folder is None:
        try:
            root = config.load_settings(Path.cwd()).root
        except config.ConfigError:
            root = None  # a broken config must not stop the cache from going
        folder = str(Path(root or Path.cwd()) / CACHE_DIR)
    if not args.quiet and os.path.lexists(folder):
        print(f"Removing cache at: {folder}", file=sys.stderr)
    try:
        why = clean(folder)
    except OSError as exc:
        raise UsageError(f"cannot remove {folder}: {exc.strerror or exc}") from None
    if why:
        raise UsageError(why)
    return EXIT_CLEAN


# ------------------------------------------------------------------------------------ rule


def _rule(args: argparse.Namespace) -> int:
    import json

    from relulint.report.json import rule_info
    from relulint.report.text import rule_markdown

    if args.all == bool(args.code):
        raise UsageError("give a rule code (relulint rule RL201) or --all")
    from relulint.rules import ALL_RULES, BY_CODE, ENGINE_CODES, ENGINE_DOCS

    if args.all:
        rules = list(ALL_RULES)
    else:
        code = args.code.upper()
        if code in ENGINE_CODES:  # engine diagnostics have no Rule class, only a description
            if args.output_format == "json":
                print(json.dumps({"code": code, "name": ENGINE_CODES[code], "explanation": ENGINE_DOCS[code]}))
            else:
                print(f"# {ENGINE_CODES[code]} ({code})\n\nEngine diagnostic.\n\n{ENGINE_DOCS[code]}")
            return EXIT_CLEAN
        if code not in BY_CODE:
            raise UsageError(f"unknown rule code {args.code!r} (see `relulint rule --all`)")
        rules = [BY_CODE[code]]
    if args.output_format == "json":
        infos = [rule_info(r) for r in rules]
        print(json.dumps(infos if args.all else infos[0], indent=2))
    else:
        print("\n\n".join(rule_markdown(r) for r in rules))
    return EXIT_CLEAN


# ------------------------------------------------------------------------------------ lsp


def _lsp(argv: list[str]) -> int:
    try:
        import pygls  # noqa: F401  (imported only here: the check path never pays for it)
    except ImportError:
        _error("the language server needs pygls: pip install 'relulint[lsp]'")
        return EXIT_ERROR
    from relulint.lsp_server import main as lsp_main

    return int(lsp_main(argv) or 0)


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
