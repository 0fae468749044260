"""Demo settings, read once from the environment."""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Settings:
    upstream_url: str
    upstream_latency: float
    work_seconds: float
    data_dir: Path

    @property
    def log_file(self) -> Path:
        return self.data_dir / "log.txt"

    @property
    def upload_dir(self) -> Path:
        return self.data_dir / "uploads"

    @property
    def database(self) -> Path:
        return self.data_dir / "demo.sqlite3"


def load_settings() -> Settings:
    default_data_dir = Path(tempfile.gettempdir()) / "asynclint-demo"
    return Settings(
        upstream_url=os.environ.get("DEMO_UPSTREAM_URL", "http://127.0.0.1:8765").rstrip("/"),
        upstream_latency=float(os.environ.get("DEMO_UPSTREAM_LATENCY", "0.05")),
        work_seconds=float(os.environ.get("DEMO_WORK_SECONDS", "0.3")),
        data_dir=Path(os.environ.get("DEMO_DATA_DIR", default_data_dir)),
    )


settings = load_settings()

CITIES = ["London", "New York", "Tokyo", "Sydney", "Paris"]
