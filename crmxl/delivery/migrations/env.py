"""Alembic's entry point for crmxl's migrations: run on the connection crmxl hands over.

crmxl runs the migrations itself (:func:`crmxl.delivery.database.migrate`), so there is no
alembic.ini: the connection comes in ``config.attributes["connection"]``.
"""

from __future__ import annotations

from alembic import context

from crmxl.delivery.database import VERSION_TABLE, metadata

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=metadata(),
    version_table=VERSION_TABLE,
    render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters by copying a table
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
