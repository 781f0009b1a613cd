async def g():
    async with a as b:
        await b
    async for x in y:
        yield x
    return [i async for i in z]
