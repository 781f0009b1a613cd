from flask import Flask
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

app = Flask("ledger")
app.config["SQLALCHEMY_DATABASE_URI"] = "postgresql://ledger@db/ledger"
db = SQLAlchemy(app)

events_engine = create_async_engine("postgresql+asyncpg://ledger@db/events")
EventSession = async_sessionmaker(events_engine)
