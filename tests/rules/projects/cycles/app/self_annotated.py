# A dependency whose return annotation (a string, resolved late) is the
# alias that names the dependency itself: following the annotation leads
# back to the provider, and to its annotation again.
from typing import Annotated

from fastapi import Depends, Request


async def _get_client(request: Request) -> "Client | None":
    return request.state.client


Client = Annotated[object, Depends(_get_client)]


async def use(client: Client):
    return client
