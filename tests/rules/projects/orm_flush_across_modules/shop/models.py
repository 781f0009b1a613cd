from sqlalchemy.orm import Mapped, mapped_column

from shop.db import Audited, Base


class Product(Audited, Base):
    __tablename__ = "product"
    id: Mapped[int] = mapped_column(primary_key=True)
    price: Mapped[int]
