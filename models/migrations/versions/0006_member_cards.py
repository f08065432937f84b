"""member cards: each member's rendered answer to GET /v1/members/{id}/tags

Not backfilled: rendering belongs to the application, not to a frozen migration. Until a community's next
run (or an ingest touching a member) writes its cards, the route renders a member's card from the rows.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22 22:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('member_cards',
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('sender_id', sa.String(length=200), nullable=False),
    sa.Column('body', sa.LargeBinary(), nullable=False),
    sa.Column('etag', sa.String(length=40), nullable=False),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('community_id', 'sender_id')
    )


def downgrade() -> None:
    op.drop_table('member_cards')
