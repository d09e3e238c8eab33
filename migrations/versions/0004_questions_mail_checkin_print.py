"""Custom sign-up questions and answers, a record of every e-mail sent, badge check-in
codes and who checked a person in, badge and programme print settings, event logo.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28 16:39:07.249256

"""
import secrets

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('registration_question',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('short_text', 'long_text', 'single_choice', 'multiple_choice', 'checkbox', name='question_kind', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('label', sa.String(length=300), nullable=False),
    sa.Column('help_text', sa.String(length=500), nullable=False),
    sa.Column('required', sa.Boolean(), nullable=False),
    sa.Column('choices', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], name=op.f('fk_registration_question_event_id_event'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_registration_question'))
    )
    with op.batch_alter_table('registration_question', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_registration_question_event_id'), ['event_id'], unique=False)

    op.create_table('mail_record',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('registration_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('recipient', sa.String(length=254), nullable=False),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('status', sa.Enum('sent', 'written', 'failed', name='mail_status', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('error', sa.String(length=1000), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], name=op.f('fk_mail_record_event_id_event'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['registration_id'], ['registration.id'], name=op.f('fk_mail_record_registration_id_registration'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mail_record'))
    )
    with op.batch_alter_table('mail_record', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mail_record_event_id'), ['event_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_mail_record_registration_id'), ['registration_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_mail_record_status'), ['status'], unique=False)

    # New NOT NULL columns are added nullable, filled for the rows already there, then
    # made NOT NULL: every existing registration gets its own check-in code.
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('print_settings', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('logo', sa.String(length=200), nullable=True))
    with op.batch_alter_table('registration', schema=None) as batch_op:
        batch_op.add_column(sa.Column('checkin_code', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('checked_in_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('answers', sa.JSON(), nullable=True))

    connection = op.get_bind()
    event = sa.table('event', sa.column('print_settings', sa.JSON), sa.column('logo', sa.String))
    connection.execute(event.update().values(print_settings={}, logo=''))
    registration = sa.table('registration', sa.column('id', sa.Integer),
                            sa.column('checkin_code', sa.String), sa.column('answers', sa.JSON))
    ids = connection.execute(sa.select(registration.c.id)).scalars().all()
    for registration_id in ids:
        connection.execute(registration.update()
                           .where(registration.c.id == registration_id)
                           .values(checkin_code=secrets.token_urlsafe(16), answers={}))

    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.alter_column('print_settings', existing_type=sa.JSON(), nullable=False)
        batch_op.alter_column('logo', existing_type=sa.String(length=200), nullable=False)
    with op.batch_alter_table('registration', schema=None) as batch_op:
        batch_op.alter_column('checkin_code', existing_type=sa.String(length=32), nullable=False)
        batch_op.alter_column('answers', existing_type=sa.JSON(), nullable=False)
        batch_op.create_unique_constraint(batch_op.f('uq_registration_checkin_code'), ['checkin_code'])
        batch_op.create_foreign_key(batch_op.f('fk_registration_checked_in_by_id_user_account'), 'user_account', ['checked_in_by_id'], ['id'], ondelete='SET NULL')



def downgrade():
    with op.batch_alter_table('registration', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_registration_checked_in_by_id_user_account'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_registration_checkin_code'), type_='unique')
        batch_op.drop_column('answers')
        batch_op.drop_column('checked_in_by_id')
        batch_op.drop_column('checkin_code')

    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.drop_column('logo')
        batch_op.drop_column('print_settings')

    with op.batch_alter_table('mail_record', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mail_record_status'))
        batch_op.drop_index(batch_op.f('ix_mail_record_registration_id'))
        batch_op.drop_index(batch_op.f('ix_mail_record_event_id'))

    op.drop_table('mail_record')
    with op.batch_alter_table('registration_question', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_registration_question_event_id'))

    op.drop_table('registration_question')
