# An ActiveRecord mixin: the object adds itself to the session it is given
# and commits it (summary facts `adds` of self, `commits`).
from shelf.core.sessions import AsyncSession


class Record:
    async def store(self, session: AsyncSession, flush_only: bool = False):
        session.add(self)
        if flush_only:
            await session.flush()
        else:
            await session.commit()
        return self

    async def change(self, session: AsyncSession, **values):
        for k, v in values.items():
            setattr(self, k, v)
        return await self.store(session)

    async def stage(self, session: AsyncSession):
        session.add(self)
        return self

    def label(self):
        return type(self).__name__
