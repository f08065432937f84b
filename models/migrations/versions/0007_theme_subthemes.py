"""theme sub-themes: the finer demands inside each theme, rewritten by every run

Themes stored before it read as having none until the community's next run.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06 16:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('themes') as batch:
        batch.add_column(sa.Column('subthemes', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('themes') as batch:
        batch.drop_column('subthemes')
