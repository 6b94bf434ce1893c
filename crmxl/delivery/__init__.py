"""Beyond one workbook (SPEC 2.10): the workspace into a database, and each agenda delivered.

- :func:`push` writes every standard sheet into SQLite or PostgreSQL, with a snapshot per
  customer for trends (:mod:`crmxl.delivery.push`);
- :func:`send` delivers each owner's agenda by e-mail and to a 企业微信/钉钉 group robot
  (:mod:`crmxl.delivery.send`);
- :func:`trend_charts` gives ``report --db`` its trend charts (:mod:`crmxl.delivery.trends`).
"""

from __future__ import annotations

from crmxl.delivery.push import PushResult, push
from crmxl.delivery.send import SendResult, send

__all__ = ["PushResult", "SendResult", "push", "send"]
