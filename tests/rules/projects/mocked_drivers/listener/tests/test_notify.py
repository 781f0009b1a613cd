# A value made while its driver is patched is a mock (or None), not a
# connection: nothing to release.  Checked with --context all (the project's
# args), so that test code is reported at all.
from unittest import mock
from unittest.mock import AsyncMock, patch

import asyncpg
import pytest

from listener.notify import notify_connection


async def test_patched_with_block():
    with mock.patch("asyncpg.connect", new_callable=AsyncMock) as connect:
        conn = await notify_connection("postgresql://localhost/db")
        assert conn is connect.return_value


@patch("listener.notify.asyncpg.connect", new_callable=AsyncMock)
async def test_patched_decorator(connect):
    conn = await notify_connection("postgresql://localhost/db")
    assert conn is connect.return_value


async def test_monkeypatched(monkeypatch):
    monkeypatch.setattr(asyncpg, "connect", AsyncMock())
    conn = await notify_connection("postgresql://localhost/db")
    assert conn is not None


# bad: after the patch ends, the factory connects for real
async def test_real_after_patch():
    with mock.patch("asyncpg.connect", new_callable=AsyncMock):
        pass
    conn = await notify_connection("postgresql://localhost/db")  # expect: SL103
    await conn.execute("SELECT 1")
