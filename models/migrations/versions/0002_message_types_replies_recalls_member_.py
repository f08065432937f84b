"""message types, replies, recalls, member aliases

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 15:26:41.014003
"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('member_aliases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('first_seen', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_seen', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('member_id', 'name')
    )
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('msg_type', sa.String(length=20), server_default='text', nullable=False))
        batch_op.add_column(sa.Column('reply_to', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('quote', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('mentions', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('recalls', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('recalled', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('source_format', sa.String(length=20), server_default='', nullable=False))
        batch_op.add_column(sa.Column('source_file', sa.String(length=500), server_default='', nullable=False))



def downgrade() -> None:
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.drop_column('source_file')
        batch_op.drop_column('source_format')
        batch_op.drop_column('recalled')
        batch_op.drop_column('recalls')
        batch_op.drop_column('mentions')
        batch_op.drop_column('quote')
        batch_op.drop_column('reply_to')
        batch_op.drop_column('msg_type')

    op.drop_table('member_aliases')
