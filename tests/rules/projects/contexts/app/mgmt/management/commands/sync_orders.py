from django.core.management.base import BaseCommand
from sqlalchemy import text

from app.db import SessionLocal


class Command(BaseCommand):
    # quiet by default: a management command is one process
    def handle(self, *args, **options):
        db = SessionLocal()
        db.execute(text("SELECT sync_orders()"))
        db.close()
