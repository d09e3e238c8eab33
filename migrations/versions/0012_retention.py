"""Retention: the days after an event's end after which its registrations are
anonymised, and when they were, how many.

Revision ID: 0012
Revises: 0009
Create Date: 2026-12-03 11:10:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('retention_days', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('anonymised_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column('anonymised_count', sa.Integer(), nullable=False, server_default='0'))

    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.alter_column('anonymised_count', existing_type=sa.Integer(), server_default=None)


def downgrade():
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.drop_column('anonymised_count')
        batch_op.drop_column('anonymised_at')
        batch_op.drop_column('retention_days')
