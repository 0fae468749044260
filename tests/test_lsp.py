"""``asynclint server``: a language server an editor talks to over stdio (driven here by a tiny
client speaking the protocol's framing)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("pygls")

BLOCKING = textwrap.dedent(
    """\
    import time

    from .helpers import load


    async def handler():
        time.sleep(1)
        return load()
    """
)
HELPERS = textwrap.dedent(
    """\
    import requests


    def load():
        return requests.get("https://example.com").json()
    """
)


class Client:
    def __init__(self, cwd: Path) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "asynclint", "server"],
            cwd=cwd,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        self.next_id = 0

    def send(self, method: str, params: dict[str, Any], *, request: bool = False) -> int | None:
        message: dict[str, Any] = {"jsonrpc": "2.0", "method": method, "params": params}
        sent_id = None
        if request:
            self.next_id += 1
            sent_id = message["id"] = self.next_id
        body = json.dumps(message).encode()
        assert self.process.stdin is not None
        self.process.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.process.stdin.flush()
        return sent_id

    def receive(self) -> dict[str, Any]:
        assert self.process.stdout is not None
        length = 0
        while True:
            line = self.process.stdout.readline()
            assert line, "the server closed its output"
            if line in (b"\r\n", b"\n"):
                break
            name, _, value = line.decode().partition(":")
            if name.lower() == "content-length":
                length = int(value.strip())
        return json.loads(self.process.stdout.read(length))

    def wait_for(self, predicate) -> dict[str, Any]:
        for _ in range(200):
            message = self.receive()
            if predicate(message):
                return message
        raise AssertionError("no such message")

    def close(self) -> None:
        shutdown = self.send("shutdown", {}, request=True)
        self.wait_for(lambda m: m.get("id") == shutdown)
        self.send("exit", {})
        self.process.wait(timeout=20)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "demo"\n', encoding="utf-8")
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "__init__.py").write_text("", encoding="utf-8")
    (tmp_path / "app" / "helpers.py").write_text(HELPERS, encoding="utf-8")
    (tmp_path / "app" / "routes.py").write_text("", encoding="utf-8")  # unsaved text differs
    return tmp_path


def _diagnostics(client: Client, uri: str) -> list[dict[str, Any]]:
    message = client.wait_for(
        lambda m: m.get("method") == "textDocument/publishDiagnostics" and m["params"]["uri"] == uri
    )
    return message["params"]["diagnostics"]


def test_diagnostics_follow_the_editors_text_and_fixes_are_code_actions(project: Path) -> None:
    client = Client(project)
    try:
        started = client.send(
            "initialize",
            {"processId": None, "rootUri": project.as_uri(), "capabilities": {}},
            request=True,
        )
        client.wait_for(lambda m: m.get("id") == started)
        client.send("initialized", {})
        uri = (project / "app" / "routes.py").as_uri()
        document = {"uri": uri, "languageId": "python", "version": 1, "text": BLOCKING}
        client.send("textDocument/didOpen", {"textDocument": document})
        found = _diagnostics(client, uri)
        by_line = {d["range"]["start"]["line"]: d for d in found}
        assert set(by_line) == {6, 7}, found  # 0-based: the sleep, and load() via helpers.py
        assert by_line[6]["code"] == "AL251" and by_line[6]["source"] == "asynclint"
        assert by_line[6]["range"]["start"]["character"] == 4
        assert "requests.get" in by_line[7]["message"]  # the chain into the other module

        asked = client.send(
            "textDocument/codeAction",
            {
                "textDocument": {"uri": uri},
                "range": by_line[6]["range"],
                "context": {"diagnostics": [by_line[6]]},
            },
            request=True,
        )
        actions = client.wait_for(lambda m: m.get("id") == asked)["result"]
        preferred = [a for a in actions if a.get("isPreferred")]
        assert preferred, actions
        edits = preferred[0]["edit"]["changes"][uri]
        assert any("await asyncio.sleep(1)" in edit["newText"] for edit in edits)

        fixed = BLOCKING.replace("time.sleep(1)", "pass").replace("return load()", "return 1")
        client.send(
            "textDocument/didChange",
            {"textDocument": {"uri": uri, "version": 2}, "contentChanges": [{"text": fixed}]},
        )
        assert _diagnostics(client, uri) == []
    finally:
        client.close()


def test_the_server_command_without_pygls_says_how_to_install_it() -> None:
    code = (
        "import sys; sys.modules['pygls'] = None\n"
        "from asynclint.cli import run; sys.argv = ['asynclint', 'server']; run()\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 2
    assert "pip install 'asynclint[lsp]'" in done.stderr
