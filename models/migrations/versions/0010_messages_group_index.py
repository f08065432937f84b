"""messages(group_id, sent_at): a theme list narrowed to one group counts that group's messages from it

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 14:00:00
"""
from alembic import op


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_messages_group_sent', 'messages', ['group_id', 'sent_at'])


def downgrade() -> None:
    op.drop_index('ix_messages_group_sent', table_name='messages')
