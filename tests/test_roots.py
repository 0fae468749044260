"""Module roots from ``sys.path`` calls: found wherever they are written, read only when the
text can hold one."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from asynclint import roots
from asynclint.roots import sys_path_folders

MODULE = Path("/project/backend/app/main.py")


@pytest.mark.parametrize(
    "text",
    [
        'sys.path.insert(0, str(Path(__file__).resolve().parent / "vendor"))\n',
        'sys . path . append(os.path.join(os.path.dirname(__file__), "vendor"))\n',
        'sys.path.\\\n    insert(0, str(Path(__file__).parent / "vendor"))\n',
        'if True:\n    sys.path.insert(\n        0, str(Path(__file__).parent / "vendor")\n    )\n',
    ],
)
def test_a_folder_put_on_sys_path_from_file_is_a_root(text: str) -> None:
    data = f"import os\nimport sys\nfrom pathlib import Path\n{text}".encode()
    assert sys_path_folders(MODULE, data) == [Path("/project/backend/app/vendor")]


@pytest.mark.parametrize(
    "text",
    [
        "print(sys.path)\nROOT = Path(__file__).parent\n",  # sys.path read, not extended
        'sys.path.insert(0, "vendor")\n',  # relative to the working directory: not static
        "mysys.path.insert(0, str(Path(__file__).parent))\n",  # another object
        '"""Call sys.path.insert(0, str(Path(__file__).parent)) first."""\n',  # a docstring
        '"""Usage:\n\n    sys.path.insert(0, str(Path(__file__).parent))\n"""\n',  # an example
    ],
)
def test_other_texts_give_no_root(text: str) -> None:
    assert sys_path_folders(MODULE, f"import sys\n{text}".encode()) == []


def test_a_text_without_such_a_call_is_not_parsed(monkeypatch: pytest.MonkeyPatch) -> None:
    parsed: list[bytes] = []
    parse = ast.parse

    def counting(source: bytes, *args: object, **kwargs: object) -> ast.AST:
        parsed.append(source)
        return parse(source, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(roots.ast, "parse", counting)
    sys_path_folders(MODULE, b"import sys\nprint(sys.path, __file__)\n")
    sys_path_folders(MODULE, b"import sys\nsys.path.append('x')\n")  # no __file__
    assert parsed == []
    sys_path_folders(MODULE, b"import sys\nsys.path.append(__file__)\n")
    assert len(parsed) == 1
