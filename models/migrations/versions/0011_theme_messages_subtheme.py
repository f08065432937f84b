"""theme_messages.subtheme: the key of the sub-theme a message is in, so that a sub-theme's messages can be read
and the next night can tell which of its sub-themes continue which

Messages stored before it read as in no sub-theme until the community's next run.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 21:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('theme_messages', sa.Column('subtheme', sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('theme_messages') as batch:
        batch.drop_column('subtheme')
