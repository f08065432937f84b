"""themes.hidden: a theme the product team hid (not about what the community is for); kept from night to night

Themes stored before it are shown.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 09:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('themes') as batch:
        batch.add_column(sa.Column('hidden', sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table('themes') as batch:
        batch.drop_column('hidden')
