from app import db


def load_order(order_id):
    with db.CONN:
        with db.CONN.cursor() as cur:
            cur.execute("SELECT id, total FROM orders WHERE id = %s", (order_id,))
            return cur.fetchone()


def order_lines(order_id):
    cur = db.CONN.cursor()
    cur.execute("SELECT sku, qty FROM lines WHERE order_id = %s", (order_id,))
    return cur.fetchall()
