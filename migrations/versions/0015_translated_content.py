"""Translated content: an event's main and extra languages, and the organiser-written
text of events, rooms, agenda items, speakers and sign-up questions in those languages
(a JSON column per table; the existing columns keep the main language's text).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03 14:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None

TABLES = ('event', 'room', 'agenda_item', 'person', 'registration_question')


def upgrade():
    # Server defaults fill the rows already there (no data to move: the columns hold the
    # main language, English until an organiser says otherwise), then go: the models
    # give the defaults, as for every other column.
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(length=5), nullable=False, server_default='en'))
        batch_op.add_column(sa.Column('extra_languages', sa.JSON(), nullable=False, server_default='[]'))
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('translations', sa.JSON(), nullable=False, server_default='{}'))

    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.alter_column('language', existing_type=sa.String(length=5), server_default=None)
        batch_op.alter_column('extra_languages', existing_type=sa.JSON(), server_default=None)
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column('translations', existing_type=sa.JSON(), server_default=None)


def downgrade():
    for table in reversed(TABLES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('translations')
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.drop_column('extra_languages')
        batch_op.drop_column('language')
