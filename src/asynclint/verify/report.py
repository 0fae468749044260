"""How ``asynclint verify`` says what it saw: text for people, JSON for tools."""

from __future__ import annotations

import json
import shlex
from pathlib import Path
from typing import Any

from asynclint.verify import Site, Verification


def _shown(path: str, cwd: Path) -> str:
    try:
        return Path(path).relative_to(cwd).as_posix()
    except ValueError:
        return path


def _chain_text(site: Site, root: Path, cwd: Path) -> str:
    hops = [
        f"{frame.function} ({_shown(frame.path, cwd)}:{frame.line})" for frame in site.chain(root)
    ]
    return " → ".join(hops)


def render_text(result: Verification, root: Path, cwd: Path) -> str:
    command = shlex.join(result.command)
    stalls = sum(len(site.stalls) for site in result.sites) + len(result.unattributed)
    lines = [
        f"Ran `{command}` (exit {result.returncode}): {stalls} event-loop stall"
        f"{'s' if stalls != 1 else ''} of {result.threshold_ms:g} ms or more, at "
        f"{len(result.sites)} call site{'s' if len(result.sites) != 1 else ''} in the project."
    ]
    for site in result.sites:
        where = f"{_shown(site.path, cwd)}:{site.line}"
        measured = f"longest {site.longest_ms:.0f} ms ({len(site.stalls)} stall"
        measured += "s)" if len(site.stalls) != 1 else ")"
        if site.finding is not None:
            lines.append(f"  confirmed  {where}  {site.finding.code}  {measured}")
            lines.append(f"             {site.finding.message}")
        else:
            lines.append(f"  missed     {where}  in `{site.function}`, {measured}")
            lines.append(f"             {_chain_text(site, root, cwd)}")
    if result.sites:
        found = len(result.confirmed)
        lines.append(
            f"{found} of {len(result.sites)} stalled call sites were found statically "
            "(a lower bound of recall: only code the command ran can stall)."
        )
    if result.unattributed:
        longest = max(stall.duration_ms for stall in result.unattributed)
        lines.append(
            f"{len(result.unattributed)} stall(s) outside the project's async code "
            f"(libraries, start-up): longest {longest:.0f} ms."
        )
    return "\n".join(lines) + "\n"


def render_json(result: Verification, root: Path, cwd: Path) -> str:
    def site_dict(site: Site) -> dict[str, Any]:
        return {
            "path": _shown(site.path, cwd),
            "line": site.line,
            "function": site.function,
            "status": "confirmed" if site.finding is not None else "missed",
            "stalls": len(site.stalls),
            "longest_ms": site.longest_ms,
            "finding": (
                {"code": site.finding.code, "message": site.finding.message}
                if site.finding is not None
                else None
            ),
            "stack": [
                {"path": _shown(f.path, cwd), "line": f.line, "function": f.function}
                for f in site.chain(root)
            ],
        }

    document = {
        "command": result.command,
        "returncode": result.returncode,
        "threshold_ms": result.threshold_ms,
        "sites": [site_dict(site) for site in result.sites],
        "confirmed": len(result.confirmed),
        "missed": len(result.missed),
        "unattributed_stalls": len(result.unattributed),
    }
    return json.dumps(document, indent=2) + "\n"
