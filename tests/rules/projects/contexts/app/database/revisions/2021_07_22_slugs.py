# An Alembic revision outside a migrations/ folder (its module-level
# revision and down_revision say what it is): applied long ago, it would
# fail at its first run if it failed at all, so a plain SQL string here is
# history, quiet by default.
from alembic import op

revision = "c0bc938b058e"
down_revision = "0ab4f8f54bfa"


def upgrade():
    conn = op.get_bind()
    for row in conn.execute("SELECT id, name FROM organization").fetchall():
        conn.execute(f"UPDATE organization SET slug = lower(name) WHERE id = {row[0]}")
