import asyncio

import typer
import uvicorn

from ledger.events import replay_missing, shutdown_events
from ledger.imports import StatementLoader, load_folder, pending_paths
from ledger.models import db

cli = typer.Typer()


@cli.command()
def import_pending() -> None:
    paths = pending_paths()
    load_folder(paths)  # expect: SL208 "`load_folder` forks worker processes"


@cli.command()
def import_pending_objects() -> None:
    paths = pending_paths()
    StatementLoader(4).load(paths)  # expect: SL208 "`load` forks worker processes"


@cli.command()
def import_pending_reset() -> None:
    paths = pending_paths()
    db.engine.dispose()
    load_folder(paths)


@cli.command()
def import_given(paths: list) -> None:
    load_folder(paths)
    print(len(pending_paths()))


@cli.command()
def serve() -> None:
    loop = asyncio.new_event_loop()
    loop.run_until_complete(replay_missing())  # expect: SL209 "`uvicorn.run"
    uvicorn.run("ledger.web:asgi", port=9000)


@cli.command()
def serve_reset() -> None:
    loop = asyncio.new_event_loop()
    loop.run_until_complete(replay_missing())
    loop.run_until_complete(shutdown_events())
    uvicorn.run("ledger.web:asgi", port=9000)


if __name__ == "__main__":
    cli()
