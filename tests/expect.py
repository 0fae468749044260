"""Expected findings written in the checked code itself, and findings in the same shape.

An annotated line ends with a comment such as ``# expect: AL251`` or ``# expect: AL251, AL230``
(a code may repeat when one line holds two findings of the same rule). The comment sits on the
line where the finding is reported: the line where the offending call starts. It may also name
the fix the finding gets once described (``# expect: AL251 fix: to-thread``; ``display`` for a
display-only suggestion, ``none`` for no fix at all).

Both sides become a ``Counter`` of ``(relative path, line, code)`` so a test can compare them
exactly and print only the difference.
"""

from __future__ import annotations

import io
import re
import tokenize
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from asynclint.models import Finding

Key = tuple[str, int, str]

_EXPECT = re.compile(
    r"#\s*expect:\s*(?P<codes>AL\d{3}(?:\s*,\s*AL\d{3})*)(?:\s+fix:\s*(?P<fix>[\w-]+))?\s*$"
)
_CODE = re.compile(r"AL\d{3}")


def expected_in_source(source: str, relpath: str) -> Counter[Key]:
    """Annotations found in real comments of ``source`` (text in strings is ignored)."""
    expected: Counter[Key] = Counter()
    tokens = tokenize.generate_tokens(io.StringIO(source).readline)
    for token in tokens:
        if token.type != tokenize.COMMENT:
            continue
        match = _EXPECT.search(token.string)
        if match is None:
            continue
        line = token.start[0]
        for code in _CODE.findall(match.group("codes")):
            expected[(relpath, line, code)] += 1
    return expected


def expected_fixes_in_source(source: str) -> dict[int, str]:
    """Line -> the fix kind annotated there (``display``, ``none`` or a fix kind)."""
    fixes: dict[int, str] = {}
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.COMMENT:
            match = _EXPECT.search(token.string)
            if match is not None and match.group("fix"):
                fixes[token.start[0]] = match.group("fix")
    return fixes


def fix_kind(finding: Finding) -> str:
    """What a described finding's fix is, in the words of the annotations."""
    fix = finding.fix
    if fix is None:
        return "none"
    return fix.kind or fix.applicability.value


def expected_in_file(path: Path, root: Path) -> Counter[Key]:
    return expected_in_source(path.read_text(encoding="utf-8"), relative_key(path, root))


def expected_in_tree(root: Path) -> Counter[Key]:
    """Annotations of every ``.py`` file under ``root``, keyed by path relative to ``root``."""
    expected: Counter[Key] = Counter()
    for path in sorted(root.rglob("*.py")):
        expected.update(expected_in_file(path, root))
    return expected


def found(findings: Iterable[Finding], root: Path | None = None) -> Counter[Key]:
    """Findings as ``(path, line, code)``; with ``root``, paths are made relative to it.

    ``Finding.path`` is relative to the current directory (or absolute), so it is resolved first.
    """
    actual: Counter[Key] = Counter()
    for finding in findings:
        path = finding.path
        if root is not None:
            path = relative_key(Path(finding.path), root)
        actual[(path, finding.line, finding.code)] += 1
    return actual


def relative_key(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def describe_difference(expected: Counter[Key], actual: Counter[Key]) -> str:
    """A readable list of missing and unexpected findings (empty when they match)."""
    missing = expected - actual
    extra = actual - expected
    lines = [f"missing {path}:{line} {code}" for (path, line, code) in sorted(missing.elements())]
    lines += [f"unexpected {path}:{line} {code}" for (path, line, code) in sorted(extra.elements())]
    return "\n".join(lines)
