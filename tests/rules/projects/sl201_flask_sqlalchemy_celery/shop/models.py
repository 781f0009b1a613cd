from shop.extensions import db


class BaseModel(db.Model):
    __abstract__ = True
    id = db.Column(db.Integer, primary_key=True)

    def save(self):
        db.session.add(self)
        db.session.commit()


class Order(BaseModel):
    __tablename__ = "orders"
    status = db.Column(db.String(16))
