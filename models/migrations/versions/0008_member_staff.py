"""members.staff: the brand's own people (`qunsheng staff`), whose messages voice no demand

Members stored before it are no staff until an operator marks them.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 20:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('members') as batch:
        batch.add_column(sa.Column('staff', sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table('members') as batch:
        batch.drop_column('staff')
