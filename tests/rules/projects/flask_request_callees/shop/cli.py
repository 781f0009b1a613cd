import click

from .db import nightly_report


@click.command()
def report():
    click.echo(nightly_report())
