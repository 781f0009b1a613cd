import os

import psycopg2


class Store:
    def __init__(self):
        self.conn = psycopg2.connect(os.environ["DSN"])

    def _price(self, sku):
        with self.conn:
            cur = self.conn.cursor()
            cur.execute("SELECT price FROM prices WHERE sku = %s", (sku,))
            return cur.fetchone()[0]

    # through a helper of a helper: still the same block
    def _line_total(self, sku, qty):
        return self._price(sku) * qty

    def add_line(self, cart, sku, qty):
        with self.conn:
            total = self._line_total(sku, qty)  # expect: SL305 "(psycopg2 2.9.3 from"
            self.conn.cursor().execute(
                "INSERT INTO cart_lines VALUES (%s, %s, %s, %s)", (cart, sku, qty, total)
            )

    # quiet: the price is read before the block.
    def add_line_priced_first(self, cart, sku, qty):
        total = self._line_total(sku, qty)
        with self.conn:
            self.conn.cursor().execute(
                "INSERT INTO cart_lines VALUES (%s, %s, %s, %s)", (cart, sku, qty, total)
            )
