from app.db import CONN
from app.orders import load_order, order_lines


def refund(order_id):
    with CONN:
        CONN.cursor().execute("UPDATE orders SET refunded = true WHERE id = %s", (order_id,))
        return load_order(order_id)  # expect: SL305 "commits the outer transaction early"


# quiet: order_lines reads on the connection without a with block of its own.
def ship(order_id):
    with CONN:
        CONN.cursor().execute("UPDATE orders SET shipped = true WHERE id = %s", (order_id,))
        return order_lines(order_id)


# quiet: the order is loaded after the transaction ends.
def cancel(order_id):
    with CONN:
        CONN.cursor().execute("UPDATE orders SET cancelled = true WHERE id = %s", (order_id,))
    return load_order(order_id)
