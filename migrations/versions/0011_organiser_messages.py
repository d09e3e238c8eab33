"""Organisers' messages to participants (a version per language, recipients, schedule),
each person's copy a mail record of the message; the automatic reminder's setting.

Revision ID: 0011
Revises: 0009
Create Date: 2026-12-03 10:36:08.251033

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('organiser_message',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('message', 'reminder', name='message_kind', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('status', sa.Enum('draft', 'scheduled', 'sending', 'sent', 'cancelled', name='message_status', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('recipients', sa.JSON(), nullable=False),
    sa.Column('send_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('progress_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('recipient_count', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_organiser_message_created_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], name=op.f('fk_organiser_message_event_id_event'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_organiser_message'))
    )
    with op.batch_alter_table('organiser_message', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_organiser_message_event_id'), ['event_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_organiser_message_status'), ['status'], unique=False)

    op.create_table('organiser_message_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('message_id', sa.Integer(), nullable=False),
    sa.Column('language', sa.String(length=10), nullable=False),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['message_id'], ['organiser_message.id'], name=op.f('fk_organiser_message_version_message_id_organiser_message'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_organiser_message_version')),
    sa.UniqueConstraint('message_id', 'language', name=op.f('uq_organiser_message_version_message_id_language'))
    )
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reminder_days', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('reminder_sent_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_check_constraint(
            op.f('ck_event_reminder_days_range'),
            'reminder_days IS NULL OR reminder_days BETWEEN 1 AND 60')

    with op.batch_alter_table('mail_record', schema=None) as batch_op:
        batch_op.add_column(sa.Column('message_id', sa.Integer(), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_mail_record_message_id_registration_id'), ['message_id', 'registration_id'])
        batch_op.create_foreign_key(batch_op.f('fk_mail_record_message_id_organiser_message'), 'organiser_message', ['message_id'], ['id'], ondelete='SET NULL')



def downgrade():
    with op.batch_alter_table('mail_record', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_mail_record_message_id_organiser_message'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_mail_record_message_id_registration_id'), type_='unique')
        batch_op.drop_column('message_id')

    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_event_reminder_days_range'), type_='check')
        batch_op.drop_column('reminder_sent_at')
        batch_op.drop_column('reminder_days')

    op.drop_table('organiser_message_version')
    with op.batch_alter_table('organiser_message', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_organiser_message_status'))
        batch_op.drop_index(batch_op.f('ix_organiser_message_event_id'))

    op.drop_table('organiser_message')
