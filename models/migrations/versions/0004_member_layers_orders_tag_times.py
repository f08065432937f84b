"""member tags: taxonomy group, score before decay, evidence times; member layers; orders

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29 10:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('member_layers',
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('layer', sa.String(length=20), nullable=False),
    sa.Column('reasons', sa.JSON(), nullable=False),
    sa.Column('metrics', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['run_id'], ['runs.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('member_id')
    )
    with op.batch_alter_table('member_layers', schema=None) as batch_op:
        batch_op.create_index('ix_member_layers_community_layer', ['community_id', 'layer'], unique=False)
    op.create_table('orders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('order_key', sa.String(length=200), nullable=False),
    sa.Column('sender_id', sa.String(length=200), nullable=False),
    sa.Column('ordered_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('amount', sa.Float(), nullable=False),
    sa.Column('source_file', sa.String(length=500), server_default='', nullable=False),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('community_id', 'order_key')
    )
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.create_index('ix_orders_community_sender', ['community_id', 'sender_id'], unique=False)
    with op.batch_alter_table('member_tags', schema=None) as batch_op:
        batch_op.add_column(sa.Column('tag_group', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('base_score', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('first_evidence', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('last_evidence', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('member_tags', schema=None) as batch_op:
        for column in ('last_evidence', 'first_evidence', 'base_score', 'tag_group'):
            batch_op.drop_column(column)
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.drop_index('ix_orders_community_sender')
    op.drop_table('orders')
    with op.batch_alter_table('member_layers', schema=None) as batch_op:
        batch_op.drop_index('ix_member_layers_community_layer')
    op.drop_table('member_layers')
