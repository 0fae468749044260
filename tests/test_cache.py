"""The facts cache: same results warm or cold, invalidated by edits, robust to damage and races."""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from factories import write_tree

from asynclint import cache, cachecodec
from asynclint.api import check_paths
from asynclint.cache import default_cache_dir
from asynclint.config import Settings

HELPER_HARMLESS = """\
def load(key):
    return {"key": key}
"""

HELPER_BLOCKING = """\
import time


def load(key):
    time.sleep(0.1)
    return {"key": key}
"""

CALLER = """\
from app.store import load


async def handler(key):
    return load(key)
"""

DIRECT = """\
import time


async def nap():
    time.sleep(1)


async def reader(path):
    with open(path) as handle:
        return handle.read()
"""


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "proj"
    files = {
        "pyproject.toml": '[project]\nname = "demo"\n',
        "app/__init__.py": "",
        "app/store.py": HELPER_HARMLESS,
        "app/api.py": CALLER,
        "app/direct.py": DIRECT,
    }
    # Enough modules with async code to make the loader use its process pool too.
    for index in range(14):
        files[f"app/extra_{index}.py"] = DIRECT.replace("nap", f"nap_{index}")
    write_tree(root, files)
    monkeypatch.chdir(root)
    return root


def keyed(findings: list) -> list[tuple]:
    return [(f.path, f.line, f.column, f.code, f.message, f.chain) for f in findings]


def check(cache_dir: Path | None) -> list[tuple]:
    folder = str(cache_dir) if cache_dir else None
    settings = Settings(cache=cache_dir is not None, cache_dir=folder)
    return keyed(check_paths(["."], settings).findings)


def cli(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "asynclint", "check", "--format", "json", *args, "."],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=180,
    )


def cache_entries(cache_dir: Path) -> list[Path]:
    return sorted(p for p in cache_dir.rglob("*.msgpack") if not p.name.startswith(".tmp-"))


def test_warm_run_gives_identical_findings(project: Path, tmp_path: Path) -> None:
    cache_dir = tmp_path / "cache"
    uncached = check(None)
    cold = check(cache_dir)
    assert cache_entries(cache_dir), "a cold run writes entries"
    warm = check(cache_dir)
    assert uncached == cold == warm
    assert len(uncached) >= 16


def test_a_warm_run_imports_neither_libcst_nor_the_analysis(project: Path, tmp_path: Path) -> None:
    """Importing LibCST, or the resolver and the catalog, costs more than the rest of a warm
    run; only parsing and analysing need them."""
    cache_dir = str(tmp_path / "cache")
    assert cli(project, "--cache-dir", cache_dir).returncode == 1
    probe = (
        "import sys\n"
        "from asynclint.cli import main\n"
        "try:\n"
        "    main(['check', '--cache-dir', sys.argv[1], '--exit-zero', '.'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "heavy = ('libcst', 'asynclint.analysis', 'asynclint.engine', 'asynclint.catalog')\n"
        "print(sorted(m for m in sys.modules if m.startswith(heavy)))\n"
    )
    warm = subprocess.run(
        [sys.executable, "-c", probe, cache_dir],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert warm.stdout.strip().splitlines()[-1] == "[]", warm.stdout + warm.stderr


def test_default_cache_folder_and_its_gitignore(project: Path) -> None:
    done = cli(project)
    assert done.returncode == 1, done.stderr
    folder = default_cache_dir(project)
    assert folder.is_dir()
    assert not (project / ".asynclint_cache").exists(), "nothing is written into the project"
    ignore = (folder / ".gitignore").read_text(encoding="utf-8")
    assert "*" in ignore.splitlines()
    assert cache_entries(folder)
    again = cli(project)
    assert json.loads(again.stdout) == json.loads(done.stdout)


def test_cache_dir_option(project: Path, tmp_path: Path) -> None:
    cache_dir = tmp_path / "elsewhere"
    done = cli(project, "--cache-dir", str(cache_dir))
    assert done.returncode == 1
    assert (cache_dir / ".gitignore").is_file()
    assert cache_entries(cache_dir)
    assert not (project / ".asynclint_cache").exists()


def test_no_cache_writes_nothing(project: Path) -> None:
    before = sorted(p.relative_to(project) for p in project.rglob("*"))
    done = cli(project, "--no-cache")
    assert done.returncode == 1
    assert json.loads(done.stdout)
    after = sorted(p.relative_to(project) for p in project.rglob("*"))
    assert after == before


def test_editing_a_helper_changes_its_callers_findings(project: Path, tmp_path: Path) -> None:
    cache_dir = tmp_path / "cache"
    before = check(cache_dir)
    assert not [f for f in before if f[0] == "app/api.py"]

    (project / "app/store.py").write_text(HELPER_BLOCKING, encoding="utf-8")
    after = check(cache_dir)
    at_caller = [f for f in after if f[0] == "app/api.py"]
    assert [(f[1], f[3]) for f in at_caller] == [(5, "AL251")]
    assert any(hop.path == "app/store.py" for hop in at_caller[0][5])
    assert after == check(None)

    (project / "app/store.py").write_text(HELPER_HARMLESS, encoding="utf-8")
    assert check(cache_dir) == before


def test_editing_one_file_changes_its_findings(project: Path, tmp_path: Path) -> None:
    cache_dir = tmp_path / "cache"
    check(cache_dir)
    direct = project / "app/direct.py"
    direct.write_text("\n\n" + direct.read_text(encoding="utf-8"), encoding="utf-8")
    lines = sorted(f[1] for f in check(cache_dir) if f[0] == "app/direct.py")
    assert lines == sorted(f[1] for f in check(None) if f[0] == "app/direct.py")
    assert 7 in lines, "the sleep moved down two lines"


def test_text_runs_reuse_and_invalidate_whole_run_results(project: Path) -> None:
    def text(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "asynclint", "check", *args, "."],
            cwd=project,
            capture_output=True,
            text=True,
            timeout=180,
        )

    cold = text()
    warm = text()
    assert warm.stdout == cold.stdout == text("--no-cache").stdout
    assert "app/api.py" not in cold.stdout

    (project / "app/store.py").write_text(HELPER_BLOCKING, encoding="utf-8")
    edited = text()
    assert "app/api.py:5:" in edited.stdout
    assert edited.stdout == text("--no-cache").stdout

    for entry in cache_entries(default_cache_dir(project)):
        entry.write_bytes(b"garbage")
    assert text().stdout == edited.stdout

    settings_changed = text("--select", "AL251")
    assert "AL230" not in settings_changed.stdout
    assert "app/api.py:5:" in settings_changed.stdout


def test_renaming_a_file_with_cached_content(project: Path, tmp_path: Path) -> None:
    cache_dir = tmp_path / "cache"
    check(cache_dir)
    (project / "app/direct.py").rename(project / "app/moved.py")
    paths = {f[0] for f in check(cache_dir)}
    assert "app/moved.py" in paths
    assert "app/direct.py" not in paths


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda entry: entry.write_bytes(b"\x00garbage\xff" * 10), id="garbage"),
        pytest.param(
            lambda entry: entry.write_bytes(entry.read_bytes()[: len(entry.read_bytes()) // 2]),
            id="truncated",
        ),
        pytest.param(lambda entry: entry.write_bytes(b""), id="empty"),
        pytest.param(
            lambda entry: entry.write_bytes(pickle.dumps({"not": "facts"})), id="wrong-type"
        ),
        pytest.param(
            lambda entry: entry.write_bytes(pickle.dumps((entry.stem, ["wrong", "type"]))),
            id="right-key-wrong-value",
        ),
        pytest.param(lambda entry: (entry.unlink(), entry.mkdir()), id="directory"),
    ],
)
def test_corrupt_cache_entries_are_ignored(project: Path, tmp_path: Path, damage) -> None:
    cache_dir = tmp_path / "cache"
    expected = check(cache_dir)
    entries = cache_entries(cache_dir)
    assert entries
    for entry in entries:
        damage(entry)
    assert check(cache_dir) == expected
    assert check(cache_dir) == expected


def test_corrupt_cache_through_the_cli(project: Path) -> None:
    first = cli(project)
    for entry in cache_entries(default_cache_dir(project)):
        entry.write_bytes(b"\x80\x04garbage")
    second = cli(project)
    assert second.returncode == 1, second.stderr
    assert "Traceback" not in second.stderr
    assert json.loads(second.stdout) == json.loads(first.stdout)


def test_unwritable_cache_dir_does_not_fail_the_check(project: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder should be", encoding="utf-8")
    done = cli(project, "--cache-dir", str(blocker / "cache"))
    assert done.returncode == 1, done.stderr
    assert json.loads(done.stdout) == json.loads(cli(project, "--no-cache").stdout)


def test_concurrent_runs_do_not_corrupt_the_cache(project: Path, tmp_path: Path) -> None:
    cache_dir = tmp_path / "shared-cache"
    expected = json.loads(cli(project, "--no-cache").stdout)
    command = [
        sys.executable,
        "-m",
        "asynclint",
        "check",
        "--format",
        "json",
        "--cache-dir",
        str(cache_dir),
        ".",
    ]
    for _ in range(2):
        runs = [
            subprocess.Popen(
                command, cwd=project, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
            )
            for _ in range(3)
        ]
        outputs = [run.communicate(timeout=180) for run in runs]
        for run, (stdout, stderr) in zip(runs, outputs, strict=True):
            assert run.returncode == 1, stderr
            assert json.loads(stdout) == expected
    assert not [p for p in cache_dir.rglob(".tmp-*")], "no temporary files left behind"
    for entry in cache_entries(cache_dir):
        kind = entry.relative_to(cache_dir).parts[0]
        cachecodec.decode(entry.read_bytes(), cache.secret_key(), f"{kind}/{entry.stem}")
    assert json.loads(cli(project, "--cache-dir", str(cache_dir)).stdout) == expected


def test_cache_is_shared_between_identical_files(tmp_path: Path) -> None:
    """Entries are keyed by content: a copy of a project reuses them and reports its own paths."""
    cache_dir = tmp_path / "cache"
    for name in ("one", "two"):
        root = tmp_path / name
        root.mkdir()
        (root / "pyproject.toml").write_text("", encoding="utf-8")
        (root / "mod.py").write_text(textwrap.dedent(DIRECT), encoding="utf-8")
    settings = Settings(cache_dir=str(cache_dir))
    first = check_paths([tmp_path / "one"], settings).findings
    facts_before = [p for p in cache_entries(cache_dir) if "facts" in p.parts]
    assert facts_before
    second = check_paths([tmp_path / "two"], settings).findings
    assert {Path(f.path).parent.name for f in first} == {"one"}
    assert {Path(f.path).parent.name for f in second} == {"two"}
    assert [(f.line, f.code) for f in first] == [(f.line, f.code) for f in second]
    assert [p for p in cache_entries(cache_dir) if "facts" in p.parts] == facts_before


# ---- the cache never runs code and detects damage -----------------------------------------------


class _Payload:
    """Unpickling this runs ``touch`` on a marker file: what a planted pickle would do."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple:
        return (Path.touch, (self.marker,))


def _plant(folder: Path, blob: bytes) -> None:
    """Entries where this and earlier versions look for them, in every kind of cache folder."""
    for kind in ("facts", "runs", "syntax"):
        for name in ("index.pickle", "index.msgpack"):
            (folder / kind).mkdir(parents=True, exist_ok=True)
            (folder / kind / name).write_bytes(blob)
    for entry in cache_entries(folder):
        entry.write_bytes(blob)
        entry.with_suffix(".pickle").write_bytes(blob)


def test_a_planted_pickle_in_the_cache_never_runs(project: Path, tmp_path: Path) -> None:
    in_tree = project / ".asynclint_cache"  # a cache folder a pull request could add
    expected = json.loads(cli(project, "--no-cache").stdout)
    cli(project, "--cache-dir", str(in_tree))
    marker = tmp_path / "code-ran"
    _plant(in_tree, pickle.dumps(_Payload(marker)))
    for _ in range(2):
        done = cli(project, "--cache-dir", str(in_tree))
        assert done.returncode == 1, done.stderr
        assert json.loads(done.stdout) == expected
    assert not marker.exists()


def test_entries_written_with_another_secret_are_misses(project: Path, tmp_path: Path) -> None:
    """An entry made elsewhere (a planted or copied cache) is not trusted, however well formed."""
    cache_dir = tmp_path / "cache"
    expected = check(None)
    check(cache_dir)
    forged = {
        "facts": cachecodec.encode(_empty_facts(), b"k" * 32, "x"),
        "runs": cachecodec.encode([], b"k" * 32, "x"),
    }
    for entry in cache_entries(cache_dir):
        kind = entry.relative_to(cache_dir).parts[0]
        secret_free = cachecodec.encode(
            cachecodec.decode(entry.read_bytes(), cache.secret_key(), f"{kind}/{entry.stem}"),
            b"another machine's key".ljust(32, b"."),
            f"{kind}/{entry.stem}",
        )
        entry.write_bytes(forged.get(kind, secret_free) if kind != "syntax" else secret_free)
    assert check(cache_dir) == expected


def _empty_facts() -> object:
    from asynclint.facts import ModuleFacts

    return ModuleFacts(path="app/api.py")


def test_a_flipped_bit_in_an_entry_is_detected(project: Path, tmp_path: Path) -> None:
    cache_dir = tmp_path / "cache"
    expected = check(None)
    check(cache_dir)
    entries = cache_entries(cache_dir)
    assert entries
    for entry in entries:
        data = bytearray(entry.read_bytes())
        position = len(data) - 1 - (len(data) // 3)  # inside the payload
        data[position] ^= 0x04
        entry.write_bytes(bytes(data))
        kind = entry.relative_to(cache_dir).parts[0]
        with pytest.raises(ValueError, match="integrity"):
            cachecodec.decode(bytes(data), cache.secret_key(), f"{kind}/{entry.stem}")
    assert check(cache_dir) == expected


def test_an_entry_moved_to_another_key_is_a_miss(project: Path, tmp_path: Path) -> None:
    cache_dir = tmp_path / "cache"
    expected = check(None)
    check(cache_dir)
    facts = sorted(p for p in cache_entries(cache_dir) if "facts" in p.parts)
    assert len(facts) >= 2
    contents = [p.read_bytes() for p in facts]
    for path, data in zip(facts, contents[1:] + contents[:1], strict=True):
        path.write_bytes(data)  # every entry now holds another file's facts
    assert check(cache_dir) == expected


def test_the_default_cache_is_outside_the_project(project: Path) -> None:
    done = cli(project)
    assert done.returncode == 1, done.stderr
    folder = default_cache_dir(project)
    assert cache_entries(folder)
    assert Path(os.environ["ASYNCLINT_CACHE_HOME"]) in folder.parents
    assert project not in folder.parents
    assert default_cache_dir(project) != default_cache_dir(project.parent / "other" / project.name)
    secret = Path(os.environ["ASYNCLINT_CACHE_HOME"]) / "secret.key"
    assert secret.stat().st_mode & 0o077 == 0, "the key is readable by its owner only"


def test_keys_change_with_the_built_in_catalog(monkeypatch: pytest.MonkeyPatch) -> None:
    """A catalog edit without a new version (a development install) must not leave cached
    facts, fix descriptions or runs computed with the old knowledge."""
    before = (cache.content_key(b"x = 1\n"), cache.run_key("settings", [("a.py", "key")]))
    monkeypatch.setattr(cache, "knowledge_digest", lambda: "another catalog")
    after = (cache.content_key(b"x = 1\n"), cache.run_key("settings", [("a.py", "key")]))
    assert before[0] != after[0]
    assert before[1] != after[1]
