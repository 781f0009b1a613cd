import functools

from telegram import Update
from telegram.ext import Application, CommandHandler, ContextTypes

from worker import store


def fresh_database(handler):
    @functools.wraps(handler)
    async def wrapper(update: Update, context: ContextTypes.DEFAULT_TYPE):
        store.rebind()
        return await handler(update, context)

    return wrapper


@fresh_database
async def balance(update: Update, context: ContextTypes.DEFAULT_TYPE):
    with store.Session() as db:
        await update.message.reply_text(str(db.execute(store.text("SELECT 1")).scalar_one()))


def main():
    application = Application.builder().token("x").build()
    application.add_handler(CommandHandler("balance", balance))
    application.run_polling()


if __name__ == "__main__":
    store.boot()
    main()
