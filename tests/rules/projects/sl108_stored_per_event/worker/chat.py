import os
import types

from aiogram import Dispatcher, Router
from aiogram.types import Message
from sqlalchemy import create_engine, text

router = Router()
dp = Dispatcher()
state = types.SimpleNamespace(engine=None, dsn=os.environ["CHAT_DSN"])


@router.message()
async def on_message(message: Message):
    state.engine = create_engine(state.dsn)  # expect: SL108 "stored in `state.engine`"
    with state.engine.connect() as conn:
        conn.execute(text("SELECT 1"))


@dp.startup()
async def on_startup():
    state.engine = create_engine(state.dsn)  # quiet: start-up, once
