# args: --fastapi-version 0.110
# A service object built in the endpoint around the borrowed session (its
# __init__ keeps it on self): handing the object, or one of its bound
# methods, to a background task hands over get_db's session, which 0.110
# closes when the endpoint returns.  The finding is on the hand-off.
from fastapi import BackgroundTasks, Depends, FastAPI
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session, sessionmaker

engine = create_engine("postgresql+psycopg2://shop@localhost/shop")
SessionLocal = sessionmaker(bind=engine)
app = FastAPI()


def get_db():
    db = SessionLocal()
    try:
        yield db
    finally:
        db.close()


class InvoiceService:
    def __init__(self, db: Session, currency: str = "EUR"):
        self.db = db
        self.currency = currency

    def total(self, order_id: int) -> int:
        return self.db.execute(text("SELECT total FROM orders WHERE id = :i"), {"i": order_id}).scalar_one()

    def send(self, order_id: int) -> None:
        self.db.execute(text("UPDATE orders SET invoiced = true WHERE id = :i"), {"i": order_id})
        self.db.commit()


class Formatter:
    def __init__(self, currency: str):
        self.currency = currency

    def render(self, amount: int) -> str:
        return f"{amount} {self.currency}"


def send_invoice(service: InvoiceService, order_id: int) -> None:
    service.send(order_id)


@app.post("/orders/{order_id}/invoice")
def invoice(order_id: int, tasks: BackgroundTasks, db: Session = Depends(get_db)):
    service = InvoiceService(db)
    tasks.add_task(service.send, order_id)  # expect: SL202
    return {"total": service.total(order_id)}


@app.post("/orders/{order_id}/invoice-later")
def invoice_later(order_id: int, tasks: BackgroundTasks, db: Session = Depends(get_db)):
    tasks.add_task(send_invoice, InvoiceService(db=db), order_id)  # expect: SL202
    return {"queued": order_id}


@app.get("/orders/{order_id}/total")
def total(order_id: int, tasks: BackgroundTasks, db: Session = Depends(get_db)):
    # quiet: the service is used within the request; the task gets a plain object
    amount = InvoiceService(db).total(order_id)
    formatter = Formatter("EUR")
    tasks.add_task(print, formatter.render(amount))
    return {"total": amount}
