"""The obvious way to put a workbook into a database: every sheet's frame, ``DataFrame.to_sql``.

    python benchmarks/naive_to_sql.py crm.xlsx OUT.db TIMES.json

The frames are the ones ``crmxl push`` writes (read by crmxl, typed by the schema, so both
write the same values); each goes to a fresh SQLite file with pandas' ``to_sql``
(``if_exists="replace"``, SQLAlchemy's executemany underneath). Writes the seconds spent
reading and writing (wall and CPU) to TIMES.json. What it does not do, and push does: keys, upserts, deleted
rows, the run record, the snapshot, one transaction.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import pandas as pd
import sqlalchemy as sa

from crmxl import open_workspace
from crmxl.delivery.rows import sheet_rows

if __name__ == "__main__":
    source, target, times = (Path(a) for a in sys.argv[1:4])
    start, cpu = time.perf_counter(), time.process_time()
    ws = open_workspace([source])
    frames = {
        key: pd.DataFrame(rows.columns)
        for key, rows in ((k, sheet_rows(t, ws.settings)) for k, t in ws.tables.items())
    }
    read, read_cpu = time.perf_counter() - start, time.process_time() - cpu
    engine = sa.create_engine(f"sqlite:///{target}")
    start, cpu = time.perf_counter(), time.process_time()
    for key, frame in frames.items():
        frame.to_sql(key, engine, if_exists="replace", index=False)
    write, write_cpu = time.perf_counter() - start, time.process_time() - cpu
    engine.dispose()
    rows = sum(len(f) for f in frames.values())
    times.write_text(
        json.dumps(
            {
                "read": read,
                "read_cpu": read_cpu,
                "write": write,
                "write_cpu": write_cpu,
                "rows": rows,
            }
        ),
        encoding="utf-8",
    )
