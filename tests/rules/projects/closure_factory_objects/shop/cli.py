# The same kind of objects, used only from command-line commands: what their
# methods do runs once per command, and stays hidden by default.
import click

from .providers.factory import ProviderFactory
from .stores import open_store


@click.command()
@click.argument("path")
def export(path):
    provider = ProviderFactory.create("pg")
    provider.export(path)


@click.command()
def reindex():
    open_store_result = open_store()
    open_store_result.reindex()
