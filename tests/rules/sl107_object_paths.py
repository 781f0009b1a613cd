# SL107 (and SL102) followed through the objects of result collections,
# loops, comprehensions and indexing, along paths of relationships: each
# element of `res.scalars().all()` is an object of the session, loaded with
# the query's loader options.  `selectinload(Volume.project)` loads
# `project`; `project.backends` stays lazy unless the option chains
# `.selectinload(Project.backends)` or the relationship is declared eager.
# Reads made by the project's functions the objects are handed to count at
# the call, calls deep, keywords and attributes handed on too (realbugs
# dstack#2842: MissingGreenlet on `project.backends`).
from typing import List

from pydantic import BaseModel as Schema
from sqlalchemy import ForeignKey, create_engine, select
from sqlalchemy.ext.asyncio import AsyncAttrs, async_sessionmaker, create_async_engine
from sqlalchemy.orm import (DeclarativeBase, Mapped, joinedload, mapped_column, relationship,
                            selectinload, sessionmaker)

engine = create_async_engine("postgresql+asyncpg://app@db/app")
Factory = async_sessionmaker(engine, expire_on_commit=False)
Expiring = async_sessionmaker(engine)
SyncFactory = sessionmaker(create_engine("postgresql+psycopg2://app@db/app"))


class Base(AsyncAttrs, DeclarativeBase):
    pass


class Project(Base):
    __tablename__ = "project"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str]
    backends: Mapped[List["Backend"]] = relationship(back_populates="project")
    members: Mapped[List["Member"]] = relationship(lazy="selectin")


class Backend(Base):
    __tablename__ = "backend"
    id: Mapped[int] = mapped_column(primary_key=True)
    type: Mapped[str]
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"))
    project: Mapped[Project] = relationship(back_populates="backends")


class Member(Base):
    __tablename__ = "member"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str]
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"))


class Volume(Base):
    __tablename__ = "volume"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str]
    deleted: Mapped[bool]
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"))
    project: Mapped[Project] = relationship()


class Site(Base):
    __tablename__ = "site"
    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"))
    project: Mapped[Project] = relationship(lazy="joined")


class VolumeOut(Schema):
    name: str


def backend_types(project: Project) -> list:
    return [b.type for b in project.backends]


def describe(project: Project) -> str:
    return ", ".join(backend_types(project))


def delete_from_cloud(volume: Volume) -> str:
    return describe(project=volume.project)


async def delete_all(volumes: List[Volume]) -> None:
    for volume in volumes:
        delete_from_cloud(volume)


def volume_names(volumes: List[Volume]) -> list:
    return [v.name for v in volumes]


# Bad: every element of the list is an object of the AsyncSession; `project` is lazy.
async def list_projects() -> list:
    async with Factory() as session:
        res = await session.execute(select(Volume))
        volumes = list(res.unique().scalars().all())
        out = []
        for v in volumes:
            out.append(v.project.name)  # expect: SL107 "read for `project`"
        return out


# Bad: the scalars of an awaited query, all of them.
async def first_project() -> str:
    async with Factory() as session:
        volumes = (await session.scalars(select(Volume))).all()
        return volumes[0].project.name  # expect: SL107 "read for `project`"


# Bad: iterated as it comes, filtered in a comprehension.
async def live_projects() -> list:
    async with Factory() as session:
        live = [v for v in await session.scalars(select(Volume)) if not v.deleted]
        return [v.project.name for v in live]  # expect: SL107 "read for `project`"


# Bad: the option loads `project`, not its `backends`.
async def backends_of_volumes() -> list:
    async with Factory() as session:
        res = await session.execute(select(Volume).options(selectinload(Volume.project)))
        for v in res.scalars():
            print([b.type for b in v.project.backends])  # expect: SL107 "selectinload(Volume.project).selectinload(Project.backends)"
        return []


# Bad (dstack#2842): the read is three calls deep, the project handed on as a keyword.
async def cleanup() -> None:
    async with Factory() as session:
        res = await session.execute(select(Volume).options(joinedload(Volume.project)))
        volumes = list(res.unique().scalars().all())
        to_delete = [v for v in volumes if v.deleted]
        await delete_all(to_delete)  # expect: SL107 "by `backend_types()`"


# Bad: one object taken from the result.
async def one_volume(vid: int) -> str:
    async with Factory() as session:
        res = await session.execute(select(Volume).where(Volume.id == vid))
        v = res.scalars().one()
        project = v.project  # expect: SL107 "read for `project`"
        return project.name


# Bad: a commit expired every element.
async def rename_all(name: str) -> list:
    async with Expiring() as session:
        volumes = (await session.scalars(select(Volume))).all()
        for v in volumes:
            v.name = name
        await session.commit()
        return [v.name for v in volumes]  # expect: SL107 "after the commit on line"


# Bad: the list outlives the session that loaded it, and its relationship is lazy.
def sync_projects() -> list:
    with SyncFactory() as session:
        volumes = session.scalars(select(Volume)).all()
    return [v.project.name for v in volumes]  # expect: SL102 "`v.project` is a relationship"


# quiet: the chain loads both.
async def backends_chained() -> list:
    async with Factory() as session:
        res = await session.execute(
            select(Volume).options(selectinload(Volume.project).selectinload(Project.backends)))
        volumes = list(res.unique().scalars().all())
        await delete_all(volumes)
        return [b.type for v in volumes for b in v.project.backends]


# quiet: the old path form loads both too; members is declared lazy="selectin".
async def backends_path_form() -> list:
    async with Factory() as session:
        volumes = (await session.scalars(
            select(Volume).options(joinedload(Volume.project, Project.backends)))).all()
        names = [m.name for v in volumes for m in v.project.members]
        return names + [b.type for v in volumes for b in v.project.backends]


# quiet: a sync session loads on first read while it is open.
def sync_open() -> list:
    with SyncFactory() as session:
        volumes = session.scalars(select(Volume)).all()
        return [backend_types(v.project) for v in volumes]


# quiet: refreshed with the relationship named, or read through awaitable_attrs.
async def refreshed(vid: int) -> str:
    async with Factory() as session:
        v = await session.get(Volume, vid)
        await session.refresh(v, ["project"])
        w = await session.get(Volume, vid + 1)
        project = await w.awaitable_attrs.project
        return v.project.name + project.name


# quiet: converted while the session is open; columns only after it.
async def as_schemas() -> list:
    async with Factory() as session:
        volumes = (await session.scalars(select(Volume))).all()
        out = [VolumeOut.model_validate(v) for v in volumes]
        rows = (await session.execute(select(Volume))).all()
        names = volume_names(volumes)
    return [o.name for o in out] + names + [r.project for r in rows]


# quiet: expire_on_commit=False, the columns stay loaded after the commit.
async def keep_after_commit() -> list:
    async with Factory() as session:
        volumes = (await session.scalars(select(Volume))).all()
        for v in volumes:
            v.deleted = True
        await session.commit()
        return [v.name for v in volumes]


# quiet: options built apart from the query are not read (nothing known lazy).
async def options_elsewhere(opts: list) -> list:
    async with Factory() as session:
        volumes = (await session.scalars(select(Volume).options(*opts))).all()
        return [v.project.name for v in volumes]


# Bad: `project` is joined with its site by its declaration; its backends are not.
async def site_backends(sid: int) -> list:
    async with Factory() as session:
        site = await session.get(Site, sid)
        names = [m.name for m in site.project.members]
        return names + [b.type for b in site.project.backends]  # expect: SL107 "read for `project.backends`"


# quiet: the loaded path goes on through a name bound to the related object.
async def through_a_name(vid: int) -> list:
    async with Factory() as session:
        v = (await session.scalars(select(Volume).where(Volume.id == vid).options(
            selectinload(Volume.project).options(selectinload(Project.backends))))).one()
        project = v.project
        return [b.type for b in project.backends]
