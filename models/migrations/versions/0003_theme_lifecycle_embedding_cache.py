"""theme lifecycle, demand type, sentiment mix; embedding cache

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 10:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('embeddings',
    sa.Column('model_id', sa.String(length=300), nullable=False),
    sa.Column('text_hash', sa.String(length=64), nullable=False),
    sa.Column('vector', sa.LargeBinary(), nullable=False),
    sa.PrimaryKeyConstraint('model_id', 'text_hash')
    )
    with op.batch_alter_table('themes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('demand_type', sa.String(length=20), server_default='chat', nullable=False))
        batch_op.add_column(sa.Column('sentiment_mix', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('negative_share', sa.Float(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('lifecycle', sa.String(length=10), server_default='new', nullable=False))
        batch_op.add_column(sa.Column('emerging', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('growth', sa.Float(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('recent_voices', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('prior_voices', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('runs_seen', sa.Integer(), server_default='1', nullable=False))
        batch_op.create_index('ix_themes_community_active', ['community_id', 'active'])
    with op.batch_alter_table('theme_messages', schema=None) as batch_op:
        batch_op.create_index('ix_theme_messages_message', ['message_id'])


def downgrade() -> None:
    with op.batch_alter_table('theme_messages', schema=None) as batch_op:
        batch_op.drop_index('ix_theme_messages_message')
    with op.batch_alter_table('themes', schema=None) as batch_op:
        batch_op.drop_index('ix_themes_community_active')
        for column in ('runs_seen', 'prior_voices', 'recent_voices', 'growth', 'emerging', 'lifecycle',
                       'negative_share', 'sentiment_mix', 'demand_type'):
            batch_op.drop_column(column)
    op.drop_table('embeddings')
