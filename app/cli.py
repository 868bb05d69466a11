"""The `huzhu` console script: a Flask CLI group with the app loaded (the outermost composition root);
its sub-commands are app.commands, which the factory registers."""
import logging

import click
from flask.cli import FlaskGroup

from app import create_app

logger = logging.getLogger(__name__)


def _create_app():
    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_default_commands=True, add_version_option=False)
def cli():
    """Huzhu (互助) command line."""


def main():
    cli(prog_name="huzhu")
