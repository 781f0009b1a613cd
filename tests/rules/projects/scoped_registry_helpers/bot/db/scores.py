# Helpers over the thread's session of the registry DB: some commit it,
# some close it in a `finally`, some hand back the objects they loaded.
from sqlalchemy import Column, Integer, String

from bot.db import DB, Base


class Score(Base):
    __tablename__ = "scores"
    player = Column(String, primary_key=True)
    points = Column(Integer, default=0)


def add_points(player, n):
    score = DB.query(Score).get(player)
    if score is None:
        score = Score(player=player, points=0)
    score.points += n
    DB.add(score)
    DB.commit()
    return score


def add_points_values(player, n):
    score = DB.query(Score).get(player)
    score.points += n
    points = score.points
    DB.commit()
    return points


def find(player):
    return DB.query(Score).filter_by(player=player).one_or_none()


def threshold(player):
    try:
        return len(player) * 10
    finally:
        DB.close()


def maybe_close(player):
    if player.startswith("guest"):
        DB.close()
    return 5


def audit(player):
    DB.query(Score).filter_by(player=player).count()
    DB.commit()
