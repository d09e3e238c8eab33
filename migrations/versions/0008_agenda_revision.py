"""The agenda's revision on the event: one number behind every agenda cache and ETag.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04 10:12:40

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('agenda_revision', sa.Integer(), nullable=False, server_default='0'))

    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.alter_column('agenda_revision', existing_type=sa.Integer(), server_default=None)


def downgrade():
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.drop_column('agenda_revision')
