"""Baseline files: accept today's findings, report only new ones.

A finding is identified by its rule code, path, enclosing function and call text, never by its
line, so that edits elsewhere in the file do not turn old findings into new ones.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from asynclint.models import Finding
from asynclint.reading import read_text

BASELINE_VERSION = 1

_SPACES = re.compile(r"\s+")
_AFTER_OPENING = re.compile(r"([(\[{]) ")
_BEFORE_CLOSING = re.compile(r" ([)\]},])")
_TRAILING_COMMA = re.compile(r",([)\]}])")


class BaselineError(Exception):
    """A baseline file that cannot be used; the message names the file."""


def normalise_call_text(text: str) -> str:
    """Call text independent of layout: ``f(\\n  a,\\n)`` and ``f(a)`` are the same call."""
    text = _SPACES.sub(" ", text).strip()
    text = _AFTER_OPENING.sub(r"\1", text)
    text = _BEFORE_CLOSING.sub(r"\1", text)
    return _TRAILING_COMMA.sub(r"\1", text)


def _identity(finding: Finding) -> tuple[str, str, str, str]:
    path = finding.path.replace("\\", "/")
    return (finding.code, path, finding.function, normalise_call_text(finding.snippet))


def fingerprint(finding: Finding) -> str:
    """Line-independent identity of a finding (16 hex digits). Identical calls in the same
    function share it; ``occurrence_fingerprints`` tells them apart."""
    digest = hashlib.sha256("\0".join(_identity(finding)).encode("utf-8"))
    return digest.hexdigest()[:16]


def occurrence_fingerprints(findings: Iterable[Finding]) -> list[str]:
    """One unique fingerprint per finding: ``<fingerprint>:<n>`` for the n-th identical one
    (counting from 0, in the given order, which is file order for sorted findings)."""
    seen: Counter[str] = Counter()
    unique = []
    for finding in findings:
        base = fingerprint(finding)
        unique.append(f"{base}:{seen[base]}")
        seen[base] += 1
    return unique


@dataclass(frozen=True)
class Baseline:
    path: str
    # fingerprint -> how many findings with it were accepted
    counts: Counter[str]

    def __len__(self) -> int:
        return sum(self.counts.values())

    def filter_new(self, findings: Sequence[Finding]) -> list[Finding]:
        """The findings not covered by the baseline, in their order. Each baseline entry covers
        one finding: two identical findings against one accepted leaves one new."""
        remaining = Counter(self.counts)
        new = []
        for finding in findings:
            key = fingerprint(finding)
            if remaining[key] > 0:
                remaining[key] -= 1
            else:
                new.append(finding)
        return new


def _entry(finding: Finding) -> dict[str, str]:
    code, path, function, call = _identity(finding)
    return {
        "fingerprint": fingerprint(finding),
        "code": code,
        "path": path,
        "function": function,
        "call": call,
    }


def write_baseline(path: str | Path, findings: Iterable[Finding]) -> int:
    """Write every finding to ``path`` (sorted, one entry per finding); return how many."""
    entries = sorted(
        (_entry(finding) for finding in findings),
        key=lambda e: (e["path"], e["code"], e["function"], e["call"], e["fingerprint"]),
    )
    document = {"version": BASELINE_VERSION, "tool": "asynclint", "findings": entries}
    text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    Path(path).write_text(text, encoding="utf-8")
    return len(entries)


def _parse(path: str | Path, document: Any) -> Counter[str]:
    if not isinstance(document, dict) or not isinstance(document.get("findings"), list):
        raise BaselineError(f"baseline file {path} is not an asynclint baseline")
    version = document.get("version")
    if version != BASELINE_VERSION:
        raise BaselineError(
            f"baseline file {path} has version {version!r}; this asynclint reads version "
            f"{BASELINE_VERSION} (rewrite it with --write-baseline)"
        )
    counts: Counter[str] = Counter()
    for index, entry in enumerate(document["findings"]):
        key = entry.get("fingerprint") if isinstance(entry, dict) else None
        if not isinstance(key, str) or not key:
            raise BaselineError(f"baseline file {path}: entry {index} has no fingerprint")
        counts[key] += 1
    return counts


def load_baseline(path: str | Path) -> Baseline:
    try:
        text = read_text(path)
    except FileNotFoundError:
        raise BaselineError(f"baseline file {path} does not exist") from None
    except OSError as error:
        reason = error.strerror or error
        raise BaselineError(f"cannot read baseline file {path}: {reason}") from None
    except UnicodeDecodeError as error:
        raise BaselineError(f"cannot read baseline file {path}: {error}") from None
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise BaselineError(f"baseline file {path} is not valid JSON: {error}") from None
    return Baseline(path=str(path), counts=_parse(path, document))
