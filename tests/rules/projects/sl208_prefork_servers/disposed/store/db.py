from sqlalchemy import create_engine, text

engine = create_engine("postgresql+psycopg2://app@db/store")

# Quiet: the app disposes of the engine once it is set up, after this runs.
with engine.connect() as conn:
    SCHEMA_VERSION = conn.execute(text("SELECT version FROM schema")).scalar()
