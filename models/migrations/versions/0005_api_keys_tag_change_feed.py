"""api keys (hashes only); tag change feed, started with an "added" row per stored tag; feed_score

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06 10:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('api_keys',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('key_hash', sa.String(length=64), nullable=False),
    sa.Column('prefix', sa.String(length=12), nullable=False),
    sa.Column('name', sa.String(length=200), server_default='', nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('key_hash')
    )
    op.create_table('tag_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('change', sa.String(length=10), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('tag', sa.String(length=200), nullable=False),
    sa.Column('tag_group', sa.String(length=100), nullable=True),
    sa.Column('score', sa.Float(), nullable=True),
    sa.Column('previous_score', sa.Float(), nullable=True),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['run_id'], ['runs.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('tag_changes', schema=None) as batch_op:
        batch_op.create_index('ix_tag_changes_community_id', ['community_id', 'id'], unique=False)
    with op.batch_alter_table('member_tags', schema=None) as batch_op:
        batch_op.add_column(sa.Column('feed_score', sa.Float(), nullable=True))
    op.execute("UPDATE member_tags SET feed_score = score")
    # A CRM reading the feed from the start must see the tags stored before the feed existed.
    op.execute("INSERT INTO tag_changes (community_id, member_id, run_id, change, kind, tag, tag_group, score, "
               "changed_at) SELECT m.community_id, t.member_id, max(t.run_id), 'added', t.kind, t.tag, "
               "max(t.tag_group), max(t.score), CURRENT_TIMESTAMP FROM member_tags t "
               "JOIN members m ON m.id = t.member_id GROUP BY m.community_id, t.member_id, t.kind, t.tag "
               "ORDER BY m.community_id, t.member_id, t.kind, t.tag")


def downgrade() -> None:
    with op.batch_alter_table('member_tags', schema=None) as batch_op:
        batch_op.drop_column('feed_score')
    with op.batch_alter_table('tag_changes', schema=None) as batch_op:
        batch_op.drop_index('ix_tag_changes_community_id')
    op.drop_table('tag_changes')
    op.drop_table('api_keys')
