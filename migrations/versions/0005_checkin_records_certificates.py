"""Check-in records (who checked whom in or out, when, how) and certificate codes.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 21:10:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('checkin_record',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('registration_id', sa.Integer(), nullable=False),
    sa.Column('action', sa.Enum('check_in', 'undo', name='checkin_action', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('method', sa.Enum('qr', 'search', 'link', 'walk_in', name='checkin_method', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('queued', sa.Boolean(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('actor', sa.String(length=254), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], name=op.f('fk_checkin_record_event_id_event'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['registration_id'], ['registration.id'], name=op.f('fk_checkin_record_registration_id_registration'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_checkin_record_user_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_checkin_record'))
    )
    with op.batch_alter_table('checkin_record', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_checkin_record_event_id'), ['event_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_checkin_record_registration_id'), ['registration_id'], unique=False)

    with op.batch_alter_table('registration', schema=None) as batch_op:
        batch_op.add_column(sa.Column('certificate_code', sa.String(length=32), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_registration_certificate_code'), ['certificate_code'])


def downgrade():
    with op.batch_alter_table('registration', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_registration_certificate_code'), type_='unique')
        batch_op.drop_column('certificate_code')

    with op.batch_alter_table('checkin_record', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_checkin_record_registration_id'))
        batch_op.drop_index(batch_op.f('ix_checkin_record_event_id'))

    op.drop_table('checkin_record')
