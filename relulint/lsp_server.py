"""`relulint lsp`: a language server (pygls 2 / lsprotocol) over stdio or TCP.

- diagnostics on didOpen / didChange / didSave, debounced; the *buffer* text is linted, not the file
  on disk, and neighbours (train.py) are read from disk. Lints run in a warm worker process
  (`relulint.workers.BufferLinter`): a newer edit abandons the running lint and its result is never
  published; a crash, a limit or the time limit (`--timeout`) costs the document one RL001;
- code actions: the rule's fix when it has one, and "Disable RLxxx for this line" (`# noqa: RLxxx`,
  extending an existing `# noqa:` list);
- hover on a diagnostic: the rule's explanation (`Rule.doc()`).

Diagnostics are built by `relulint.report.lsp.diagnostic`, the same code as `--format lsp`.
Bad input keeps the server up: a non-Python document is ignored, a malformed `[tool.relulint]` is
shown once as a warning and the defaults are used, a request with invalid parameters (a position
below 0 or at 2**31) gets a JSON-RPC error reply, and any exception while linting becomes a log
message, not a crash. A broken byte stream does not: on a framing error the server logs it and exits
non-zero so that the editor restarts it (`relulint.lsp_framing`), instead of staying up but deaf.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote

from relulint.finding import Finding
from relulint.positions import Span, from_lsp_position, split_lines, utf16_len

DEBOUNCE_S = 0.05  # a pause in typing this long starts a lint; a newer edit abandons the one running
TIME_LIMIT_S = 20.0  # per lint (relulint lsp --timeout): over it, the document gets one RL001
PYTHON_SUFFIXES = (".py", ".pyi")
log = logging.getLogger("relulint.lsp")


_CLOSED = object()

# How an editor's quick fix says that applying it changes what the model computes (ruff: unsafe).
UNSAFE_LABEL = " (unsafe: changes what the model computes)"


@dataclass
class DocState:
    version: int | None = None
    findings: list[Finding] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)
    text: str = ""  # the linted text: fixes are computed from it when a code action asks


def _version() -> str:
    try:
        from importlib.metadata import version

        return version("relulint")
    except Exception:
        return "0"


def create_server(time_limit: float | None = TIME_LIMIT_S):
    """Build the server (imports pygls here: nothing else in relulint needs it). Each lint runs in a
    warm worker process (relulint.workers.BufferLinter) under a `time_limit` in seconds."""
    from lsprotocol import types as t
    from lsprotocol.converters import get_converter
    from pygls.lsp.server import LanguageServer
    from pygls.uris import to_fs_path

    from relulint.report.lsp import diagnostic
    from relulint.workers import BufferLinter

    server = LanguageServer("relulint", _version())
    converter = get_converter()
    state: dict[str, DocState] = {}
    languages: dict[str, str] = {}
    pending: dict[str, asyncio.Task] = {}
    running: dict[str, threading.Event] = {}  # the cancel switch of each document's lint in progress
    warned: set[str] = set()
    # one thread drives the lint worker: keeps the event loop answering, lints in order
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="relulint-lint")
    linter = BufferLinter(time_limit)

    def is_python(uri: str) -> bool:
        lang = languages.get(uri)
        if lang is not None and lang != "python":
            return False
        return lang == "python" or uri.lower().endswith(PYTHON_SUFFIXES)

    def doc_path(uri: str) -> str:
        try:
            path = to_fs_path(uri)
        except Exception:
            path = None
        return path or uri

    def settings_for(path: str):
        from relulint.config import ConfigError, Settings, load_settings

        start = Path(path).parent if Path(path).is_absolute() else Path.cwd()
        try:
            return load_settings(start)
        except ConfigError as exc:
            key = str(exc)
            if key not in warned:
                warned.add(key)
                server.window_show_message(t.ShowMessageParams(
                    type=t.MessageType.Warning, message=f"relulint: {exc} (using the default settings)"))
            return Settings()
        except Exception as exc:  # an unreadable folder: defaults, said once
            log.warning("relulint: cannot load settings for %s: %s", path, exc)
            return Settings()

    def lint(uri: str, text: str, cancel: threading.Event) -> list[Finding] | None:
        """The buffer's findings in this file, from the warm worker process; None when cancelled."""
        path = doc_path(uri)
        result = linter.lint(path, text, settings_for(path), cancel)
        if result is None:
            return None
        return [f for f in result.findings if f.origin.path == path]

    async def run_lint(uri: str, delay: float) -> None:
        cancel = threading.Event()
        try:
            if delay:
                await asyncio.sleep(delay)
            doc = server.workspace.get_text_document(uri)
            text, version = doc.source, doc.version
            running[uri] = cancel
            try:
                findings = await asyncio.get_running_loop().run_in_executor(pool, lint, uri, text, cancel)
            except Exception as exc:  # a relulint bug must not take the editor's server down
                log.exception("relulint failed on %s", uri)
                server.window_log_message(t.LogMessageParams(
                    type=t.MessageType.Error, message=f"relulint failed on {uri}: {type(exc).__name__}: {exc}"))
                return
            finally:
                if running.get(uri) is cancel:
                    del running[uri]
            if findings is None or cancel.is_set() or open_version(uri) != version:
                log.debug("relulint: dropped the stale result for %s version %s", uri, version)
                return  # a newer edit (or a close) came: never publish over newer text
            lines = split_lines(text)
            state[uri] = DocState(version, findings, lines, text)
            diags = [converter.structure(diagnostic(f, lines), t.Diagnostic) for f in findings]
            server.text_document_publish_diagnostics(
                t.PublishDiagnosticsParams(uri=uri, diagnostics=diags, version=version))
        except asyncio.CancelledError:
            cancel.set()  # superseded by a newer edit

    def open_version(uri: str) -> int | None | object:
        docs = server.workspace.text_documents  # (keyed by the unquoted URI, as pygls stores them)
        doc = docs.get(uri) or docs.get(unquote(uri))
        return doc.version if doc is not None else _CLOSED

    def stop(uri: str) -> None:
        """Drop the document's pending lint and abandon the one running (its worker stays warm)."""
        old = pending.pop(uri, None)
        if old is not None:
            old.cancel()
        running_cancel = running.get(uri)
        if running_cancel is not None:
            running_cancel.set()

    def schedule(uri: str, delay: float) -> None:
        if not is_python(uri):
            log.info("relulint: ignoring non-Python document %s", uri)
            return
        stop(uri)
        pending[uri] = asyncio.get_running_loop().create_task(run_lint(uri, delay))

    @server.feature(t.INITIALIZED)
    def initialized(ls, params: t.InitializedParams) -> None:
        pool.submit(linter.start)  # the worker imports relulint while the editor opens its files

    @server.feature(t.TEXT_DOCUMENT_DID_OPEN)
    async def did_open(ls, params: t.DidOpenTextDocumentParams) -> None:
        languages[params.text_document.uri] = params.text_document.language_id
        schedule(params.text_document.uri, 0)

    @server.feature(t.TEXT_DOCUMENT_DID_CHANGE)
    async def did_change(ls, params: t.DidChangeTextDocumentParams) -> None:
        schedule(params.text_document.uri, DEBOUNCE_S)

    @server.feature(t.TEXT_DOCUMENT_DID_SAVE)
    async def did_save(ls, params: t.DidSaveTextDocumentParams) -> None:
        schedule(params.text_document.uri, 0)

    @server.feature(t.TEXT_DOCUMENT_DID_CLOSE)
    async def did_close(ls, params: t.DidCloseTextDocumentParams) -> None:
        uri = params.text_document.uri
        stop(uri)
        languages.pop(uri, None)
        if state.pop(uri, None) is not None:
            server.text_document_publish_diagnostics(t.PublishDiagnosticsParams(uri=uri, diagnostics=[]))

    @server.feature(t.TEXT_DOCUMENT_CODE_ACTION,
                    t.CodeActionOptions(code_action_kinds=[t.CodeActionKind.QuickFix]))
    def code_action(ls, params: t.CodeActionParams) -> list[t.CodeAction]:
        uri = params.text_document.uri
        doc = state.get(uri)
        if doc is None:
            return []
        actions: list[t.CodeAction] = []
        noqa_lines: set[tuple[int, str]] = set()
        hits = _overlapping(doc, params.range)
        from relulint.fixes import attach

        attach(hits, {doc_path(uri): doc.text})  # fixes only now, for the findings under the cursor
        for f in hits:
            diag = converter.structure(diagnostic(f, doc.lines), t.Diagnostic)
            data = diag.data if isinstance(diag.data, dict) else None
            if data and data.get("edits") and data.get("applicability") != "display-only":
                unsafe = data.get("applicability") != "safe"
                actions.append(t.CodeAction(
                    title=f"{f.code}: {data['title']}" + (UNSAFE_LABEL if unsafe else ""),
                    kind=t.CodeActionKind.QuickFix, diagnostics=[diag], is_preferred=not unsafe,
                    edit=t.WorkspaceEdit(changes={uri: [
                        converter.structure(e, t.TextEdit) for e in data["edits"]]})))
            line0 = Span.of(f.origin).line - 1
            if (line0, f.code) in noqa_lines:
                continue
            noqa_lines.add((line0, f.code))
            edit = noqa_edit(doc.lines, line0, f.code)
            if edit is not None:
                actions.append(t.CodeAction(
                    title=f"Disable {f.code} for this line", kind=t.CodeActionKind.QuickFix,
                    diagnostics=[diag],
                    edit=t.WorkspaceEdit(changes={uri: [converter.structure(edit, t.TextEdit)]})))
        return actions

    @server.feature(t.TEXT_DOCUMENT_HOVER)
    def hover(ls, params: t.HoverParams) -> t.Hover | None:
        doc = state.get(params.text_document.uri)
        if doc is None:
            return None
        hits = _overlapping(doc, t.Range(start=params.position, end=params.position))
        if not hits:
            return None
        return t.Hover(contents=t.MarkupContent(kind=t.MarkupKind.Markdown,
                                                value="\n\n---\n\n".join(hover_text(f) for f in hits)))

    @server.feature(t.SHUTDOWN)
    def on_shutdown(ls, params: None) -> None:
        for uri in list(pending):
            stop(uri)
        pool.shutdown(wait=False, cancel_futures=True)
        linter.close()

    return server


def _overlapping(doc: DocState, rng) -> list[Finding]:
    """Findings whose span touches the LSP range (given in UTF-16 units on the document)."""
    start = from_lsp_position(doc.lines, {"line": rng.start.line, "character": rng.start.character})
    end = from_lsp_position(doc.lines, {"line": rng.end.line, "character": rng.end.character})
    out = []
    for f in doc.findings:
        s = Span.of(f.origin)
        if (s.end_line, s.end_col) < start or (s.line, s.col) > end:
            continue
        out.append(f)
    return out


def noqa_edit(lines: list[str], line0: int, code: str) -> dict | None:
    """An LSP TextEdit adding `code` to the line's `# noqa:` list, or appending `  # noqa: CODE`."""
    from relulint.suppress import _NOQA

    if not 0 <= line0 < len(lines):
        return None
    text = lines[line0]
    m = _NOQA.search(text)
    if m is not None:
        codes = {c for c in m.group("codes").replace(",", " ").split()}
        if code in codes:
            return None
        at = utf16_len(text[: m.end("codes")])
        return {"range": {"start": {"line": line0, "character": at}, "end": {"line": line0, "character": at}},
                "newText": f", {code}"}
    stripped = text.rstrip()
    start, end = utf16_len(stripped), utf16_len(text)
    return {"range": {"start": {"line": line0, "character": start}, "end": {"line": line0, "character": end}},
            "newText": f"  # noqa: {code}"}


def hover_text(f: Finding) -> str:
    from relulint.report._common import rule_url
    from relulint.rules import BY_CODE

    rule = BY_CODE.get(f.code)
    head = f"**{f.code}** `{f.name}`: {f.message}"
    if f.help:
        head += f"\n\n*help:* {f.help}"
    body = rule.doc() if rule is not None else ""
    return f"{head}\n\n{body}\n\n[{f.code} documentation]({rule_url(f.code)})".strip()


def main(argv: list[str] | None = None) -> int:
    from relulint.cli import add_lsp_arguments

    p = argparse.ArgumentParser(prog="relulint lsp", description="relulint language server")
    add_lsp_arguments(p)
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING,
                        format="relulint-lsp %(levelname)s %(message)s")
    from relulint import lsp_framing

    server = create_server(args.timeout)
    if args.tcp is not None:
        return lsp_framing.start_tcp(server, args.host, args.tcp)
    return lsp_framing.start_io(server)


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
