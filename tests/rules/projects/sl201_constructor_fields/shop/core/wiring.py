from shop.core.records import Catalog, Pricing, ShopSession, Unit

catalog = Catalog("eu")  # expect: SL201 "its field's default factory makes at import"
pricing = Pricing(ShopSession(), currency="USD")  # expect: SL201 "pricing.db"
unit = Unit()
