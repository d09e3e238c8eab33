"""Translated surveys: the feedback survey's title and introduction, and its questions'
labels, help texts and options, in the event's other languages (a JSON column per
table, as 0015 gave the other organiser-written texts; the existing columns keep the
main language's text).

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-03 17:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None

TABLES = ('survey', 'survey_question')


def upgrade():
    # The server default fills the rows already there (nothing translated yet), then
    # goes: the models give the default, as for every other column.
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('translations', sa.JSON(), nullable=False, server_default='{}'))
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column('translations', existing_type=sa.JSON(), server_default=None)


def downgrade():
    for table in reversed(TABLES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('translations')
