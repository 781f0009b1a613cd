# The base of the class-based controllers: FastAPI fills `session` per
# request from generate_session (0.115: closed when the endpoint returns).
from fastapi import Depends
from sqlalchemy.orm import Session

from recipes.db import generate_session


class BaseController:
    session: Session = Depends(generate_session)
