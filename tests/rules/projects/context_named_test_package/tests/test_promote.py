from test_helpers.factory import make_artefact
from test_observer.promoter import promote


def test_promote():
    make_artefact("a")
    promote(1)
