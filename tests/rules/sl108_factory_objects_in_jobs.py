# A scheduler's job calls a method of a module-level object that a factory
# function of the project made: the method runs at every trigger, and since
# the factory's return annotation names only the base class, each subclass's
# override may be the one that runs.  An engine made there is a pool per run.
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import create_engine, text

scheduler = BackgroundScheduler()


class Exporter:
    def run(self):
        print("nothing to export")

    def prepare(self):
        print("ready")


class WarehouseExporter(Exporter):
    def run(self):
        engine = create_engine("postgresql+psycopg2://etl@wh/dw")  # expect: SL108
        with engine.connect() as conn:
            conn.execute(text("SELECT count(*) FROM staging"))

    # quiet: only the command-line block below calls it, once per process
    def prepare(self):
        engine = create_engine("postgresql+psycopg2://etl@wh/dw")
        with engine.connect() as conn:
            conn.execute(text("SELECT count(*) FROM exports"))


class Ledger:
    # quiet: a class of the same method name that no job's object can be
    def run(self):
        engine = create_engine("postgresql+psycopg2://etl@wh/dw")
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))


def make_exporter() -> Exporter:
    return WarehouseExporter()


exporter = make_exporter()
ledger = Ledger()


def nightly():
    exporter.run()


scheduler.add_job(nightly, "cron", hour=2)

if __name__ == "__main__":
    exporter.prepare()
    ledger.run()
    scheduler.start()
