"""The demo's SQLite database, used through the blocking ``sqlite3`` driver.

``users`` is a view over a recursive CTE, so every lookup scans 1M generated rows: about
0.2 s of work in the calling thread, standing in for a slow query on a busy database.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

USERS_VIEW = """
CREATE VIEW IF NOT EXISTS users AS
WITH RECURSIVE ids(id) AS (SELECT 1 UNION ALL SELECT id + 1 FROM ids WHERE id < 1000000)
SELECT id, 'User ' || id AS name FROM ids
"""
USER_QUERY = "SELECT id, name FROM users WHERE id = ?"
STATS_QUERY = "SELECT count(*) AS users, max(id) AS last_id FROM users"


def init_db(path: Path) -> None:
    with sqlite3.connect(path) as conn:
        conn.execute(USERS_VIEW)


def fetch_user(path: Path, user_id: int) -> dict[str, object] | None:
    with sqlite3.connect(path) as conn:
        row = conn.execute(USER_QUERY, (user_id,)).fetchone()
    return None if row is None else {"id": row[0], "name": row[1]}


def fetch_stats(path: Path) -> dict[str, int]:
    with sqlite3.connect(path) as conn:
        users, last_id = conn.execute(STATS_QUERY).fetchone()
    return {"users": users, "last_id": last_id}
