# A sync service keeping the session on itself (`self.s`): the objects its
# method loads and commits before returning them are expired, and once the
# caller's `with` block closes that session they are detached too (SL102
# on the read).  Quiet: read inside the block (the session reloads it), a
# factory with expire_on_commit=False, a method that does not commit.
from sqlalchemy import create_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

engine = create_engine("postgresql+psycopg2://app@db/lab")
Lab = sessionmaker(engine)
KeptLab = sessionmaker(engine, expire_on_commit=False)


class Base(DeclarativeBase):
    pass


class Sample(Base):
    __tablename__ = "sample"
    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str]


class Bench:
    def __init__(self, s: Session):
        self.s = s

    def tag(self, sample_id: int, label: str) -> Sample:
        sample = self.s.get(Sample, sample_id)
        sample.label = label
        self.s.commit()
        return sample

    def peek(self, sample_id: int) -> Sample:
        return self.s.get(Sample, sample_id)


def tag_sample(sample_id: int, label: str) -> str:
    with Lab() as s:
        sample = Bench(s).tag(sample_id, label)
    return sample.label  # expect: SL102 "the commit in `tag()`"


def tag_and_read(sample_id: int, label: str) -> str:
    with Lab() as s:
        sample = Bench(s).tag(sample_id, label)
        text = sample.label
    return text


def tag_kept(sample_id: int, label: str) -> str:
    with KeptLab() as s:
        bench = Bench(s)
        sample = bench.tag(sample_id, label)
    return sample.label


def peek_sample(sample_id: int) -> str:
    with Lab() as s:
        sample = Bench(s).peek(sample_id)
    return sample.label
