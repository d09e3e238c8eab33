"""Presentations (speakers' slides on agenda items) and the sign-up question marked as
the gender question for the funder report.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-03 14:20:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('presentation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('stored_name', sa.String(length=64), nullable=False),
    sa.Column('original_name', sa.String(length=255), nullable=False),
    sa.Column('format', sa.Enum('pdf', 'pptx', 'odp', name='slide_format', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], name=op.f('fk_presentation_event_id_event'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['item_id'], ['agenda_item.id'], name=op.f('fk_presentation_item_id_agenda_item'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_presentation_person_id_person'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_presentation')),
    sa.UniqueConstraint('stored_name', name=op.f('uq_presentation_stored_name'))
    )
    with op.batch_alter_table('presentation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_presentation_event_id'), ['event_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_presentation_item_id'), ['item_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_presentation_person_id'), ['person_id'], unique=False)

    with op.batch_alter_table('registration_question', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reports_gender', sa.Boolean(), server_default=sa.false(), nullable=False))
    # The default only fills the rows there are; the models give new rows their value.
    with op.batch_alter_table('registration_question', schema=None) as batch_op:
        batch_op.alter_column('reports_gender', existing_type=sa.Boolean(), server_default=None)


def downgrade():
    with op.batch_alter_table('registration_question', schema=None) as batch_op:
        batch_op.drop_column('reports_gender')

    with op.batch_alter_table('presentation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_presentation_person_id'))
        batch_op.drop_index(batch_op.f('ix_presentation_item_id'))
        batch_op.drop_index(batch_op.f('ix_presentation_event_id'))

    op.drop_table('presentation')
