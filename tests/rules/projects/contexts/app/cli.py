import click
import uvicorn
from sqlalchemy import text

from app.db import SessionLocal
from app.jobs import expire_carts, rebuild_index, warm_cache


@click.group()
def cli():
    pass


# quiet by default: a leak in a one-shot command ends with its process
@cli.command()
def count_orders():
    db = SessionLocal()
    n = db.execute(text("SELECT count(*) FROM orders")).scalar()
    db.close()
    click.echo(n)


# reported wherever it runs: a session used after close checks out a
# connection that nothing returns
@cli.command()
def export_orders():
    db = SessionLocal()
    rows = db.execute(text("SELECT * FROM orders")).all()
    db.close()
    db.execute(text("UPDATE orders SET exported = true"))  # expect: SL102
    click.echo(len(rows))


@cli.command()
def rebuild():
    rebuild_index()
    expire_carts()


# a launcher: it serves until killed, so what it calls is not one-shot code
@cli.command()
@click.option("--port", default=8000)
def serve(port):
    warm_cache()
    uvicorn.run("app.api:app", host="0.0.0.0", port=port)
