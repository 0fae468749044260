"""AL260: synchronous database drivers and ORMs."""

from asynclint.rules import Rule
from asynclint.rules._text import LOOP_STALL, THROUGH_HELPERS, TO_THREAD_FIX

RULES = (
    Rule(
        code="AL260",
        name="blocking-database-call-in-async-function",
        summary="A synchronous database driver or ORM call runs on the event loop",
        what_it_does=(
            "Follows connections, cursors, sessions and clients of synchronous database "
            "libraries, sqlite3, psycopg2, psycopg 3 (sync API), PyMySQL, MySQLdb, "
            "mysql-connector, oracledb/cx_Oracle, pyodbc, DuckDB, pymongo, redis-py, SQLAlchemy "
            "engines and ORM sessions (also from a `sessionmaker`), SQLModel, Cassandra and "
            "Neo4j, and reports the calls that talk to the server: connecting, `execute`, "
            "`fetch*`, `commit`, `session.get`, `query(...).all()`, `collection.find_one`, "
            "`redis.get`, ... Building a query, creating an engine or a lazily connecting "
            "client, and reading already fetched results are not reported. The async variants "
            "(asyncpg, `AsyncSession`, `redis.asyncio`, `AsyncMongoClient`) are never reported "
            "when awaited. " + THROUGH_HELPERS
        ),
        why_bad=(
            LOOP_STALL + " A query waits for the network and for the database: a lock or a "
            "slow plan on the server becomes a frozen service, and a small connection pool "
            "turns into a deadlock when handlers hold connections across the stall."
        ),
        example=(
            "from fastapi import FastAPI\n"
            "from sqlalchemy import create_engine, select\n"
            "from sqlalchemy.orm import sessionmaker\n"
            "\n"
            "from app.models import User\n"
            "\n"
            'engine = create_engine("postgresql+psycopg://app@db/app")\n'
            "SessionLocal = sessionmaker(bind=engine)\n"
            "app = FastAPI()\n"
            "\n"
            "\n"
            '@app.get("/users/{user_id}")\n'
            "async def read_user(user_id: int) -> dict:\n"
            "    with SessionLocal() as session:\n"
            "        user = session.get(User, user_id)\n"
            '        return {"id": user.id, "name": user.name}\n'
        ),
        use_instead=(
            "from fastapi import FastAPI\n"
            "from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine\n"
            "\n"
            "from app.models import User\n"
            "\n"
            'engine = create_async_engine("postgresql+psycopg://app@db/app")\n'
            "SessionLocal = async_sessionmaker(engine)\n"
            "app = FastAPI()\n"
            "\n"
            "\n"
            '@app.get("/users/{user_id}")\n'
            "async def read_user(user_id: int) -> dict:\n"
            "    async with SessionLocal() as session:\n"
            "        user = await session.get(User, user_id)\n"
            '        return {"id": user.id, "name": user.name}\n'
        ),
        fix_safety=(
            "Display-only suggestion naming the async driver or API (`AsyncSession`, asyncpg, "
            "aiosqlite, `redis.asyncio`, `AsyncMongoClient`). " + TO_THREAD_FIX + " Offloading "
            "keeps the connection usable only if the driver allows use from another thread "
            "(sqlite3 does not by default)."
        ),
    ),
)
