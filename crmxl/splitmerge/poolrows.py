"""The public pool (公海, SPEC 2.9) in split workbooks, and claims made in them.

Only with 配置 ``拆分含公海客户 = 是`` (default 否): each person's 客户档案 also holds, after their
own customers, the pool's customers they may claim: those of the person's 负责区域 (all of them
when the person has none), except those whose 原负责人 is the person while the cool-down holds
(冷却天数). These rows are read-only but for 负责人, and carry no sensitive value; the pool's
contacts, follow-ups and the rest stay in the master.

``merge`` takes from such a row one thing only: 负责人 set to the person's own name, while the
customer is still in the pool — a claim, which the next ``refresh`` dates and logs (or refuses,
within the cool-down). Any other change on a pool row is reported and not applied.
"""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pandas as pd

from crmxl.i18n import register
from crmxl.model.frames import typed
from crmxl.model.schema import ENUMS, ColType, fold
from crmxl.model.workspace import Workspace
from crmxl.rules.pool import cooling, in_pool, is_pool
from crmxl.splitmerge import manifest as mf
from crmxl.splitmerge.people import Person

#: What a split wrote in 负责人 of a pool row, as merge's field hashes (every spelling).
POOL_HASHES = frozenset(
    mf.field_hash(mf.canonical(variant, ColType.TEXT))
    for name in (*ENUMS["pool"].values[0], *(alias for alias, _ in ENUMS["pool"].aliases))
    for variant in (name, name.lower(), name.upper())
)


def regions_of(ws: Workspace, name: str) -> frozenset[str] | None:
    """The folded 负责区域 of ``name`` in 销售团队 (None when none is set, or no such sheet)."""
    table = ws.tables.get("team")
    if table is None:
        return None
    frame = typed(table, ws.settings, ["name", "regions"]).frame
    for who, regions in zip(frame["name"].tolist(), frame["regions"].tolist(), strict=True):
        if isinstance(who, str) and fold(who) == fold(name):
            if isinstance(regions, tuple | list) and regions:
                return frozenset(fold(r) for r in regions)
            return None
    return None


def pool_positions(ws: Workspace, who: Person, today: datetime) -> np.ndarray:
    """Positions (in the master's 客户档案 order) of the pool rows ``who``'s workbook holds;
    empty unless 配置 拆分含公海客户 is 是."""
    table = ws.tables.get("customers")
    if not ws.settings.split_pool or table is None or "owner" not in table.data:
        return np.empty(0, dtype=np.intp)
    frame = typed(table, ws.settings, ["owner", "region", "former_owner", "pooled_on"]).frame
    mask = in_pool(frame["owner"])
    regions = regions_of(ws, who.name)
    if regions is not None:
        mask &= frame["region"].map(lambda r: isinstance(r, str) and fold(r) in regions)
    day = pd.Timestamp(today.date())
    rules = ws.settings.pool
    for row in frame.index[mask]:
        former = frame.at[row, "former_owner"]
        if isinstance(former, str) and fold(former) == fold(who.name):
            mask[row] = not cooling(frame.at[row, "pooled_on"], day, rules)
    return np.flatnonzero(mask.to_numpy())


def was_pool_row(base_owner_hash: str) -> bool:
    """Whether a returned row's 负责人 said 公海 when it was split (its manifest field hash)."""
    return base_owner_hash in POOL_HASHES


def claim_code(new: object, person: str, owner_now: object) -> str | None:
    """None when a change of 负责人 on a pool row is the person's claim; else why not."""
    if not is_pool(owner_now):
        return "merge-pool-taken"
    if not (isinstance(new, str) and fold(new) == fold(person)):
        return "merge-pool-claim-other"
    return None


register(
    {
        "merge-pool-readonly": (
            "公海客户的行只读，只能在负责人填自己的名字认领",
            "a pool customer's row is read-only: only typing your own name as its owner (a "
            "claim) is taken",
        ),
        "merge-pool-claim-other": (
            "公海客户只能由本人认领（负责人须填本文件所属人的名字）",
            "a pool customer can only be claimed by the workbook's own person (their name as "
            "owner)",
        ),
        "merge-pool-taken": (
            "该客户已不在公海（已被认领或分配），认领未合并",
            "the customer is no longer in the pool (claimed or handed out); not merged",
        ),
    }
)
