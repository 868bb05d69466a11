"""The `huzhu` sub-commands (CONTRACT.md): communities, users, members, the demo, the worker, bounces."""
import logging
import sys
import unicodedata

import click
from flask import current_app
from flask.cli import with_appcontext

from app.accounts.services import create_user, find_user
from app.core.extensions import db
from app.core.validation import ValidationFailed
from app.demo.loader import demo_logins, load_demo
from app.members.services import add_member
from app.notifications.services import record_bounce
from jobs.worker import run_worker
from tenants.context import tenant_context
from tenants.models import Community
from tenants.services import create_community, set_status

logger = logging.getLogger(__name__)


def _fail(err: ValidationFailed):
    for field, messages in err.fields.items():
        for message in messages:
            click.echo(f"{field}: {message}", err=True)
    sys.exit(2)


@click.group("community", help="Communities (tenants).")
def community_cli():
    pass


@community_cli.command("create")
@click.argument("slug")
@click.option("--name", required=True, help="Display name, e.g. L社区")
@click.option("--street", default=None, help="Street office it belongs to, e.g. T街道")
@with_appcontext
def community_create(slug, name, street):

    try:
        community = create_community(slug=slug, name=name, street=street)
        db.session.commit()
    except ValidationFailed as err:
        _fail(err)
    click.echo(f"community {community.slug} created (id {community.id})")


@community_cli.command("suspend")
@click.argument("slug")
@with_appcontext
def community_suspend(slug):
    _set_status(slug, "suspended")


@community_cli.command("restore")
@click.argument("slug")
@with_appcontext
def community_restore(slug):
    _set_status(slug, "active")


def _set_status(slug: str, status: str):

    community = Community.by_slug(slug)
    if community is None:
        click.echo(f"no community {slug}", err=True)
        sys.exit(2)
    set_status(community, status)
    db.session.commit()
    click.echo(f"community {slug} is {status}")


@click.group("user", help="User accounts.")
def user_cli():
    pass


@user_cli.command("create")
@click.argument("email")
@click.option("--name", required=True)
@click.option("--password", required=True)
@click.option("--phone", default=None)
@click.option("--operator", is_flag=True, help="Make the user a platform operator.")
@with_appcontext
def user_create(email, name, password, phone, operator):

    try:
        user = create_user(name=name, password=password, email=email, phone=phone, is_operator=operator)
        db.session.commit()
    except ValidationFailed as err:
        _fail(err)
    click.echo(f"user {user.email} created (id {user.id})")


@click.group("member", help="Memberships: a user's roles in a community.")
def member_cli():
    pass


@member_cli.command("add")
@click.argument("slug")
@click.argument("email")
@click.option("--role", "roles", multiple=True, required=True,
              help="admin, coordinator, council, representative, unit or resident (repeatable)")
@with_appcontext
def member_add(slug, email, roles):

    community = Community.by_slug(slug)
    if community is None:
        click.echo(f"no community {slug}", err=True)
        sys.exit(2)
    user = find_user(email)
    if user is None:
        click.echo(f"no user {email}", err=True)
        sys.exit(2)
    with tenant_context(community.id):
        try:
            membership, _created = add_member(user, list(roles))
            db.session.commit()
        except ValidationFailed as err:
            _fail(err)
        click.echo(f"{user.email} in {slug}: {', '.join(membership.role_names)}")


@click.command("demo", help="Load the demo community `demo` (L社区, T街道); safe to run again.")
@click.option("--quiet", is_flag=True, help="Do not print the log-ins.")
@click.option("--url", default=None, help="Where the server answers, for the printout (default: PUBLIC_BASE_URL).")
@with_appcontext
def demo_command(quiet, url):

    summary = load_demo()
    click.echo(summary)
    if not quiet:
        base = (url or current_app.config["PUBLIC_BASE_URL"]).rstrip("/")
        click.echo(f"\n演示账号 / demo log-ins ({base}/login):")
        for role, login, password in demo_logins():
            click.echo(f"  {_pad(role, 36)}{_pad(login, 36)}{password}")
        click.echo(f"\nL社区: {base}/c/demo/today · 街道转介 / street: {base}/c/demo/referrals/"
                   f" · 槐树社区: {base}/c/huaishu/today")
        click.echo(f"街道办 / street office (T街道, aggregates only): {base}/s/")


def _pad(text: str, width: int) -> str:
    """Pad to a column as a terminal shows it (a Chinese character takes two cells), at least two spaces."""
    cells = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
    return text + " " * max(2, width - cells)


@click.command("worker", help="Run an RQ worker (with the scheduler) on the given queues, or on all.")
@click.argument("queues", nargs=-1)
@with_appcontext
def worker_command(queues):

    if not current_app.config["REDIS_URL"]:
        click.echo("REDIS_URL is not set: without Redis, jobs run in-process and no worker is needed.", err=True)
        sys.exit(2)
    run_worker(list(queues))


@click.command("bounce", help="Record a bounce report for a message Huzhu sent (by its Message-ID).")
@click.argument("message_id")
@click.option("--reason", default="bounced", help="What the bounce said, e.g. 550 mailbox unavailable")
@with_appcontext
def bounce_command(message_id, reason):

    delivery_id = record_bounce(message_id, reason)
    if delivery_id is None:
        click.echo(f"no delivery for {message_id}", err=True)
        sys.exit(2)
    click.echo(f"delivery {delivery_id} marked failed: it shows on the undelivered messages page")


ALL = (community_cli, user_cli, member_cli, demo_command, worker_command, bounce_command)


def register(app) -> None:
    """Give `flask --app app` the same commands as `huzhu`."""
    for command in ALL:
        app.cli.add_command(command)
