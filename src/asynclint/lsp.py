"""``asynclint server``: a language server (stdio) for editors.

Diagnostics for every open Python file, computed on the editor's text (saved or not) with the
whole project around it, as ``asynclint check FILE`` would; code actions apply the file's fixes
(the safe ones as quick fixes, the unsafe ones marked for review). Analysis runs in one worker
thread, so the server keeps answering while it works, and edits are debounced.

Needs the ``lsp`` extra (``pip install 'asynclint[lsp]'``, which brings pygls).
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlparse

from asynclint import __version__
from asynclint.models import Applicability, Finding, Fix

DEBOUNCE_SECONDS = 0.4
SOURCE = "asynclint"


@dataclass(slots=True)
class _Document:
    version: int | None = None
    findings: list[Finding] = field(default_factory=list)
    text: str = ""
    pending: asyncio.TimerHandle | None = None


def check_text(path: Path, text: str) -> list[Finding]:
    """Findings of one file whose current text is ``text`` (the project's other files as they
    are on disk)."""
    from asynclint.api import open_session, result_of, settings_for

    resolved = path.resolve()
    settings = settings_for([resolved])
    session = open_session([resolved], settings, overlay={resolved: text.encode("utf-8")})
    try:
        findings = result_of(session).findings
    finally:
        session.close()
    return [f for f in findings if _same_file(f.path, resolved)]


def _same_file(shown: str, path: Path) -> bool:
    try:
        return Path(shown).resolve() == path
    except OSError:
        return False


def utf16_column(line_text: str, column: int) -> int:
    """An LSP character offset (UTF-16 code units) from a 1-based code-point column."""
    prefix = line_text[: max(column - 1, 0)]
    return len(prefix.encode("utf-16-le")) // 2


def create_server():
    from lsprotocol import types
    from pygls.lsp.server import LanguageServer

    server = LanguageServer(
        SOURCE, __version__, text_document_sync_kind=types.TextDocumentSyncKind.Full
    )
    documents: dict[str, _Document] = {}
    worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="asynclint-check")

    def position(lines: list[str], line: int, column: int) -> types.Position:
        text = lines[line - 1] if 0 < line <= len(lines) else ""
        return types.Position(line=max(line - 1, 0), character=utf16_column(text, column))

    def to_range(lines: list[str], span) -> types.Range:
        return types.Range(
            start=position(lines, span.line, span.column),
            end=position(lines, span.end_line, span.end_column),
        )

    def diagnostic(lines: list[str], finding: Finding) -> types.Diagnostic:
        from asynclint.report.json_format import rule_url

        url = rule_url(finding.code)
        return types.Diagnostic(
            range=to_range(lines, finding.span),
            message=finding.message + (f"\n{finding.suggestion}" if finding.suggestion else ""),
            severity=types.DiagnosticSeverity.Warning,
            code=finding.code,
            code_description=types.CodeDescription(href=url) if url else None,
            source=SOURCE,
        )

    async def analyse(uri: str) -> None:
        document = documents.get(uri)
        if document is None:
            return
        text, version = document.text, document.version
        path = _path_of(uri)
        if path is None:
            return
        loop = asyncio.get_running_loop()
        try:
            findings = await loop.run_in_executor(worker, check_text, path, text)
        except Exception as error:  # the editor must keep its server
            server.window_log_message(
                types.LogMessageParams(types.MessageType.Error, f"asynclint: {error!r}")
            )
            return
        current = documents.get(uri)
        if current is None or current.text != text:
            return  # edited meanwhile: the next analysis will publish
        current.findings = findings
        lines = text.splitlines()
        server.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(
                uri=uri, version=version, diagnostics=[diagnostic(lines, f) for f in findings]
            )
        )

    def schedule(uri: str, delay: float) -> None:
        document = documents[uri]
        if document.pending is not None:
            document.pending.cancel()
        loop = asyncio.get_running_loop()
        document.pending = loop.call_later(delay, lambda: asyncio.ensure_future(analyse(uri)))

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(params: types.DidOpenTextDocumentParams) -> None:
        item = params.text_document
        documents[item.uri] = _Document(item.version, [], item.text)
        schedule(item.uri, 0)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(params: types.DidChangeTextDocumentParams) -> None:
        document = documents.setdefault(params.text_document.uri, _Document())
        for change in params.content_changes:
            if isinstance(change, types.TextDocumentContentChangeWholeDocument):
                document.text = change.text
        document.version = params.text_document.version
        schedule(params.text_document.uri, DEBOUNCE_SECONDS)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    def did_save(params: types.DidSaveTextDocumentParams) -> None:
        if params.text_document.uri in documents:
            schedule(params.text_document.uri, 0)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(params: types.DidCloseTextDocumentParams) -> None:
        document = documents.pop(params.text_document.uri, None)
        if document is not None and document.pending is not None:
            document.pending.cancel()
        server.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=params.text_document.uri, diagnostics=[])
        )

    @server.feature(
        types.TEXT_DOCUMENT_CODE_ACTION,
        types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix]),
    )
    def code_action(params: types.CodeActionParams) -> list[types.CodeAction]:
        from asynclint.fixes import describe_fixes

        document = documents.get(params.text_document.uri)
        if document is None or not document.findings:
            return []
        wanted = params.range
        lines = document.text.splitlines()
        touching = [
            finding
            for finding in document.findings
            if finding.fix is not None
            and finding.span.line - 1 <= wanted.end.line
            and finding.span.end_line - 1 >= wanted.start.line
        ]
        actions = []
        for finding, fix in zip(touching, describe_fixes(document.text, touching), strict=True):
            action = _action(types, params.text_document.uri, lines, finding, fix, to_range)
            if action is not None:
                actions.append(action)
        return actions

    return server


def _action(types, uri: str, lines: list[str], finding: Finding, fix: Fix | None, to_range):
    if fix is None or fix.applicability is Applicability.DISPLAY or not fix.edits:
        return None
    edits = [
        types.TextEdit(range=to_range(lines, edit.span), new_text=edit.content)
        for edit in fix.edits
    ]
    review = "" if fix.applicability is Applicability.SAFE else " (unsafe: review the change)"
    return types.CodeAction(
        title=f"asynclint: {fix.description or 'fix'} [{finding.code}]{review}",
        kind=types.CodeActionKind.QuickFix,
        is_preferred=fix.applicability is Applicability.SAFE,
        edit=types.WorkspaceEdit(changes={uri: edits}),
    )


def _path_of(uri: str) -> Path | None:
    parsed = urlparse(uri)
    if parsed.scheme != "file":
        return None
    return Path(unquote(parsed.path))


def serve() -> None:
    create_server().start_io()
