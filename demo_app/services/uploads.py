"""Post-processing of uploaded files with a synchronous scanner."""

from __future__ import annotations

import time
from pathlib import Path

from demo_app.settings import settings


def scan_upload(path: Path) -> dict[str, object]:
    # Stand-in for a synchronous antivirus / thumbnail client that takes a while.
    time.sleep(settings.work_seconds)
    return {"file": path.name, "clean": True}


def store_and_scan(destination: Path, contents: bytes) -> dict[str, object]:
    with open(destination, "wb") as out:
        out.write(contents)
    return scan_upload(destination)
