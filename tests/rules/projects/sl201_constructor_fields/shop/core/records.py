from dataclasses import dataclass, field

import attrs
from sqlalchemy import create_engine
from sqlalchemy.orm import Session, sessionmaker

engine = create_engine("postgresql://shop@db/shop")
ShopSession = sessionmaker(bind=engine)


@dataclass
class Catalog:
    region: str
    db: Session = field(default_factory=ShopSession)


@attrs.frozen
class Pricing:
    db: Session
    currency: str = "EUR"


@dataclass
class Unit:
    maker: sessionmaker = ShopSession
    seen: list = field(default_factory=list)
