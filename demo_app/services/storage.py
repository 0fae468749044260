"""Create the demo's data directory, upload directory and database."""

from __future__ import annotations

from demo_app.services import db
from demo_app.settings import Settings


def prepare_storage(settings: Settings) -> None:
    settings.upload_dir.mkdir(parents=True, exist_ok=True)
    db.init_db(settings.database)


def append_line(path: str, line: str) -> None:
    with open(path, "a") as log:
        log.write(line)
