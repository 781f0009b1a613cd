from app.boot import S


def report():
    s = S()  # expect: SL103
    s.query(1)
