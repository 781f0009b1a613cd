# Cycles of every kind must end the analysis with its findings, never a
# crash: module-level names bound to each other (a sessionmaker bound to an
# engine made from the sessionmaker), imports that come back to their
# module, a package re-exporting itself, class bases, decorators and
# recursive functions (other.py, pkg/).
from sqlalchemy import create_engine
from sqlalchemy.orm import sessionmaker

S = sessionmaker(bind=E)
E = create_engine(S)
