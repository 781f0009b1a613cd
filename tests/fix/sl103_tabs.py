# SL103 in a file indented with tabs: the new block uses tabs too.
from sqlalchemy import create_engine, text
from sqlalchemy.orm import sessionmaker

engine = create_engine("postgresql://localhost/app")
SessionLocal = sessionmaker(bind=engine)


class Jobs:
	def count(self):
		db = SessionLocal()
		if db.execute(text("SELECT 1")).scalar():
			n = db.execute(text("SELECT count(*) FROM jobs")).scalar()
		else:
			n = 0
		db.close()
		return n
