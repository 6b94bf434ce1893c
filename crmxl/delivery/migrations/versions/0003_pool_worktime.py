"""The 公海 pool and working time (SPEC 2.8, 2.9): 客户档案 gains 原负责人 (former_owner) and
入公海日期 (pooled_on), 问题跟踪 gains 时限说明 (sla_basis), and the optional 节假日 sheet gets
its table (holidays).

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "holidays",
        sa.Column("row_key", sa.Text(), nullable=False, comment="crmxl 行键 / row key"),
        sa.Column("date", sa.Date(), nullable=True, comment="日期 / Date"),
        sa.Column("kind", sa.Text(), nullable=True, comment="类型 / Type"),
        sa.Column("note", sa.Text(), nullable=True, comment="说明 / Note"),
        sa.Column("row_hash", sa.BigInteger(), nullable=False, comment="crmxl 行内容指纹 / hash"),
        sa.Column("inserted_at", sa.DateTime(), nullable=False, comment="首次写入 / inserted"),
        sa.Column("updated_at", sa.DateTime(), nullable=False, comment="最近改动 / updated"),
        sa.Column("deleted_at", sa.DateTime(), nullable=True, comment="从工作簿删除 / deleted"),
        sa.PrimaryKeyConstraint("row_key", name=op.f("pk_holidays")),
        comment="节假日 / Holidays",
    )
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("former_owner", sa.Text(), nullable=True, comment="原负责人 / Former Owner")
        )
        batch_op.add_column(
            sa.Column("pooled_on", sa.Date(), nullable=True, comment="入公海日期 / In Pool Since")
        )
    with op.batch_alter_table("issues", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("sla_basis", sa.Text(), nullable=True, comment="时限说明 / SLA Basis")
        )


def downgrade() -> None:
    with op.batch_alter_table("issues", schema=None) as batch_op:
        batch_op.drop_column("sla_basis")
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.drop_column("pooled_on")
        batch_op.drop_column("former_owner")
    op.drop_table("holidays")
