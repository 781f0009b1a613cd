import os

from sqlalchemy import create_engine

# reported: a real-looking password for a remote host, in service code
PRIMARY_URL = os.getenv("PRIMARY_URL", "postgresql+psycopg://orders:Qk83vLw2Tz@pg.internal.example.com/orders")  # expect: SL403
# quiet: placeholders and local set-ups hold no one's secret
LOCAL_URL = os.getenv("LOCAL_URL", "postgresql+psycopg://orders:orders@localhost/orders")

primary = create_engine(PRIMARY_URL)
local = create_engine(LOCAL_URL)
