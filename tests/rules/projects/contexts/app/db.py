# Where code runs decides what a default run reports (src/context.h): a leak
# in request or service code accumulates; one in a CLI command, a script, a
# test or an example ends with its process.  A use after release is a bug
# wherever it runs.
from sqlalchemy import create_engine
from sqlalchemy.orm import sessionmaker

engine = create_engine("postgresql+psycopg://orders@db.internal.example.com/orders")
SessionLocal = sessionmaker(bind=engine)
