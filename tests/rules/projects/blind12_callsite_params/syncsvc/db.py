import os

from sqlalchemy import create_engine

source_engine = create_engine(os.environ.get("LEGACY_URL", "postgresql+psycopg2://legacy@localhost/legacy"))
target_engine = create_engine(os.environ.get("TARGET_URL", "postgresql+psycopg2://app@localhost/app"))
