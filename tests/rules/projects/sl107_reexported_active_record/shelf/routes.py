# SL107: the session class reaches the provider through re-exports, and
# the commit is a method of the loaded object (`book.store(session)`,
# `book.change(session, ...)` through it).  Quiet: the session does not
# expire on commit, the object is refreshed after the method, the method
# only stages it, or only flushes (its flag says so: FlowSummary.cond).
from fastapi import APIRouter, Depends
from sqlalchemy import select

from shelf.db import AsyncSession, keeping_session, request_session
from shelf.models import Book

router = APIRouter()


@router.post("/books/{book_id}/lend")
async def lend(book_id: int, session: AsyncSession = Depends(request_session)):
    book = (await session.execute(select(Book).where(Book.id == book_id))).scalars().one()
    book.lent = True
    await book.store(session)
    return book  # expect: SL107 "after the commit"


@router.post("/books/{book_id}/rename")
async def rename(book_id: int, title: str, session: AsyncSession = Depends(request_session)):
    book = await session.get(Book, book_id)
    await book.change(session, title=title)
    return book  # expect: SL107


@router.post("/books/{book_id}/return")
async def give_back(book_id: int, session: AsyncSession = Depends(request_session)):
    book = await session.get(Book, book_id)
    book.lent = False
    await book.store(session)
    await session.refresh(book)
    return book


@router.post("/books/{book_id}/keep")
async def keep(book_id: int, session: AsyncSession = Depends(keeping_session)):
    book = await session.get(Book, book_id)
    book.lent = True
    await book.store(session)
    return book


@router.post("/books/{book_id}/stage")
async def stage(book_id: int, session: AsyncSession = Depends(request_session)):
    book = await session.get(Book, book_id)
    book.lent = True
    await book.stage(session)
    return book


@router.get("/books/{book_id}/label")
async def label(book_id: int, session: AsyncSession = Depends(request_session)):
    book = await session.get(Book, book_id)
    name = book.label()
    return {"label": name, "title": book.title}


@router.post("/books/{book_id}/plain")
async def plain(book_id: int, session: AsyncSession = Depends(request_session)):
    book = await session.get(Book, book_id)
    book.lent = True
    session.add(book)
    await session.commit()
    return book  # expect: SL107


@router.post("/books/draft")
async def draft(book_id: int, session: AsyncSession = Depends(request_session)):
    book = await session.get(Book, book_id)
    book.lent = True
    await book.store(session, flush_only=True)
    return book
