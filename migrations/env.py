"""Alembic environment: runs as the table owner (DATABASE_OWNER_URL when set), then grants the app role its rights."""
import logging
from logging.config import fileConfig

from alembic import context
from flask import current_app
from sqlalchemy import create_engine, make_url, pool, text

config = context.config
fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger("alembic.env")

target_db = current_app.extensions["migrate"].db
APP_URL = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])
OWNER_URL = make_url(current_app.config.get("DATABASE_OWNER_URL") or current_app.config["SQLALCHEMY_DATABASE_URI"])


def grant_app_role(connection) -> None:
    """The app's role owns no table: it gets data rights only, and row-level security binds it."""
    if connection.dialect.name != "postgresql" or not APP_URL.username or APP_URL.username == OWNER_URL.username:
        return
    role = connection.dialect.identifier_preparer.quote(APP_URL.username)
    connection.execute(text(f"GRANT USAGE ON SCHEMA public TO {role}"))
    connection.execute(text(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}"))
    connection.execute(text(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}"))
    connection.execute(text(f"REVOKE ALL ON TABLE alembic_version FROM {role}"))


def run_migrations_offline():
    context.configure(url=OWNER_URL.render_as_string(hide_password=False), target_metadata=target_db.metadata,
                      literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    def process_revision_directives(context, revision, directives):
        if getattr(config.cmd_opts, "autogenerate", False) and directives[0].upgrade_ops.is_empty():
            directives[:] = []
            logger.info("No changes in schema detected.")

    conf_args = dict(current_app.extensions["migrate"].configure_args)
    conf_args.setdefault("process_revision_directives", process_revision_directives)
    conf_args.setdefault("render_as_batch", True)  # SQLite alters tables by copying them
    if OWNER_URL == APP_URL:
        engine = target_db.engine
    else:
        engine = create_engine(OWNER_URL, poolclass=pool.NullPool)
    with engine.connect() as connection:
        if connection.dialect.name == "sqlite":
            # Batch migrations copy tables; enforced foreign keys would cascade deletes while they do.
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
        context.configure(connection=connection, target_metadata=target_db.metadata, **conf_args)
        with context.begin_transaction():
            context.run_migrations()
            grant_app_role(connection)
        connection.commit()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
