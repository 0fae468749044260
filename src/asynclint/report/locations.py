"""Paths for CI: relative to the repository root, wherever the check runs from.

Findings carry paths relative to the current folder (what a person at a terminal wants). GitHub
annotations, SARIF and GitLab Code Quality resolve paths against the repository instead, so a
check run from a subfolder would annotate the wrong file; these formats get paths relative to the
repository root (the nearest folder holding ``.git`` above the project, else the project root).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from asynclint.models import Finding


def repository_root(project_root: Path) -> Path:
    """The nearest folder at or above ``project_root`` that holds ``.git``, else the project
    root."""
    for folder in (project_root, *project_root.parents):
        if (folder / ".git").exists():
            return folder
    return project_root


def relative_to_root(findings: Sequence[Finding], root: Path, cwd: Path) -> list[Finding]:
    """The findings with their paths (and their chains' paths) relative to ``root``."""
    cache: dict[str, str] = {}

    def rebased(shown: str) -> str:
        if shown not in cache:
            absolute = Path(os.path.normpath(cwd / shown))  # ``shown`` may hold ``..``
            try:
                cache[shown] = absolute.relative_to(root).as_posix()
            except ValueError:
                cache[shown] = absolute.as_posix()  # outside the repository: stays absolute
        return cache[shown]

    return [
        replace(
            finding,
            path=rebased(finding.path),
            chain=tuple(replace(hop, path=rebased(hop.path)) for hop in finding.chain),
        )
        for finding in findings
    ]
