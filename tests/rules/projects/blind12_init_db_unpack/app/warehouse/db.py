# The reporting warehouse, configured Pyramid-style from a dict of settings.
from sqlalchemy import engine_from_config
from sqlalchemy.orm import sessionmaker

from app.core.config import WAREHOUSE_CONFIG

warehouse_engine = engine_from_config(WAREHOUSE_CONFIG, prefix="sqlalchemy.")
WarehouseSession = sessionmaker(bind=warehouse_engine)
