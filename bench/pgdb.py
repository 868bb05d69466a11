"""PostgreSQL for the benchmarks: a throwaway database owned by huzhu_owner, used as huzhu_app (as in .ci/run).

Each benchmark names its own database, so they can run side by side.
"""
import os
import sys

PG_ADMIN = "host=127.0.0.1 port=5432 user=postgres dbname=postgres connect_timeout=3"
OWNER_ROLE, APP_ROLE = "huzhu_owner", "huzhu_app"


def pg_admin(*statements: str, dbname: str = "postgres") -> None:
    """Run statements as the postgres superuser (trust auth on 127.0.0.1, as in .ci/run)."""
    import psycopg

    with psycopg.connect(PG_ADMIN.replace("dbname=postgres", f"dbname={dbname}"), autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement)


def check_reachable() -> None:
    """Fail early, with the reason, when PostgreSQL does not answer as .ci/run expects it."""
    import psycopg

    try:
        with psycopg.connect(PG_ADMIN):
            pass
    except Exception as err:
        raise RuntimeError(f"PostgreSQL does not answer on 127.0.0.1:5432 as postgres: {err}") from err


def create_database(name: str) -> tuple[str, str]:
    """A fresh database `name` owned by huzhu_owner; the roles are created when missing. (app URL, owner URL)"""
    drop_database(name)
    pg_admin(
        f"""DO $$ BEGIN
          IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{OWNER_ROLE}') THEN
            CREATE ROLE {OWNER_ROLE} LOGIN NOSUPERUSER NOBYPASSRLS;
          END IF;
          IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{APP_ROLE}') THEN
            CREATE ROLE {APP_ROLE} LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
          END IF;
        END $$""",
        f"CREATE DATABASE {name} OWNER {OWNER_ROLE}",
    )
    pg_admin(f"ALTER SCHEMA public OWNER TO {OWNER_ROLE}", "REVOKE CREATE ON SCHEMA public FROM PUBLIC", dbname=name)
    return (f"postgresql+psycopg://{APP_ROLE}@127.0.0.1:5432/{name}",
            f"postgresql+psycopg://{OWNER_ROLE}@127.0.0.1:5432/{name}")


def drop_database(name: str) -> None:
    pg_admin(
        f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}' AND pid <> pg_backend_pid()",
        f"DROP DATABASE IF EXISTS {name}",
    )


def huzhu_command() -> list[str]:
    script = os.path.join(os.path.dirname(sys.executable), "huzhu")
    if os.path.exists(script):
        return [script]
    return [sys.executable, "-c", "from app.cli import main; main()"]
