"""Travel support: requests and decisions, the traveller's form, booked flights, trains
and hotel stays; the event's currency, budgets and sign-up setting; the travel agent role.

Revision ID: 0013
Revises: 0009
Create Date: 2026-12-03 11:00:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

OLD_ROLES = ('admin', 'organiser', 'checkin')
NEW_ROLES = (*OLD_ROLES, 'travel')


def upgrade():
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('currency', sa.String(length=3), nullable=False,
                                      server_default='EUR'))
        batch_op.add_column(sa.Column('support_on_signup', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.add_column(sa.Column('budget_travel', sa.Numeric(precision=12, scale=2), nullable=True))
        batch_op.add_column(sa.Column('budget_accommodation', sa.Numeric(precision=12, scale=2), nullable=True))
        batch_op.add_column(sa.Column('budget_per_diem', sa.Numeric(precision=12, scale=2), nullable=True))
    # The models give the defaults; the server defaults only filled the existing rows.
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.alter_column('currency', server_default=None)
        batch_op.alter_column('support_on_signup', server_default=None)

    # The role is a VARCHAR with a CHECK of its values (models/types.str_enum).
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_user_account_user_role'), type_='check')
        batch_op.create_check_constraint(
            op.f('ck_user_account_user_role'), sa.column('role').in_(NEW_ROLES))

    op.create_table('travel_support',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('registration_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('requested', 'approved', 'declined', name='support_status', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('travel', sa.Boolean(), nullable=False),
    sa.Column('accommodation', sa.Boolean(), nullable=False),
    sa.Column('per_diem', sa.Boolean(), nullable=False),
    sa.Column('justification', sa.String(length=2000), nullable=False),
    sa.Column('travel_estimate', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('accommodation_estimate', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('per_diem_estimate', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('decision_note', sa.String(length=1000), nullable=False),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('passport_name', sa.String(length=200), nullable=False),
    sa.Column('departure_city', sa.String(length=120), nullable=False),
    sa.Column('departure_airport', sa.String(length=3), nullable=False),
    sa.Column('outbound_date', sa.Date(), nullable=True),
    sa.Column('outbound_time', sa.String(length=100), nullable=False),
    sa.Column('return_date', sa.Date(), nullable=True),
    sa.Column('return_time', sa.String(length=100), nullable=False),
    sa.Column('hotel_check_in', sa.Date(), nullable=True),
    sa.Column('hotel_check_out', sa.Date(), nullable=True),
    sa.Column('remarks', sa.String(length=2000), nullable=False),
    sa.Column('form_saved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('itinerary_sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('travel_estimate >= 0 AND accommodation_estimate >= 0 AND per_diem_estimate >= 0', name=op.f('ck_travel_support_estimates_not_negative')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user_account.id'], name=op.f('fk_travel_support_decided_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], name=op.f('fk_travel_support_event_id_event'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['registration_id'], ['registration.id'], name=op.f('fk_travel_support_registration_id_registration'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_travel_support')),
    sa.UniqueConstraint('registration_id', name=op.f('uq_travel_support_registration_id'))
    )
    with op.batch_alter_table('travel_support', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_travel_support_event_id'), ['event_id'], unique=False)

    op.create_table('hotel_stay',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('support_id', sa.Integer(), nullable=False),
    sa.Column('hotel', sa.String(length=200), nullable=False),
    sa.Column('address', sa.String(length=500), nullable=False),
    sa.Column('check_in', sa.Date(), nullable=False),
    sa.Column('check_out', sa.Date(), nullable=False),
    sa.Column('room_type', sa.String(length=100), nullable=False),
    sa.Column('cost', sa.Numeric(precision=12, scale=2), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('check_out > check_in', name=op.f('ck_hotel_stay_check_out_after_check_in')),
    sa.ForeignKeyConstraint(['support_id'], ['travel_support.id'], name=op.f('fk_hotel_stay_support_id_travel_support'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hotel_stay'))
    )
    with op.batch_alter_table('hotel_stay', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_hotel_stay_support_id'), ['support_id'], unique=False)

    op.create_table('travel_segment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('support_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('flight', 'train', name='segment_kind', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('number', sa.String(length=20), nullable=False),
    sa.Column('from_code', sa.String(length=3), nullable=False),
    sa.Column('from_place', sa.String(length=120), nullable=False),
    sa.Column('to_code', sa.String(length=3), nullable=False),
    sa.Column('to_place', sa.String(length=120), nullable=False),
    sa.Column('departs_local', sa.DateTime(), nullable=False),
    sa.Column('departs_tz', sa.String(length=64), nullable=False),
    sa.Column('arrives_local', sa.DateTime(), nullable=False),
    sa.Column('arrives_tz', sa.String(length=64), nullable=False),
    sa.Column('departs_utc', sa.DateTime(timezone=True), nullable=False),
    sa.Column('cost', sa.Numeric(precision=12, scale=2), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['support_id'], ['travel_support.id'], name=op.f('fk_travel_segment_support_id_travel_support'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_travel_segment'))
    )
    with op.batch_alter_table('travel_segment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_travel_segment_support_id'), ['support_id'], unique=False)


def downgrade():
    with op.batch_alter_table('travel_segment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_travel_segment_support_id'))
    op.drop_table('travel_segment')
    with op.batch_alter_table('hotel_stay', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_hotel_stay_support_id'))
    op.drop_table('hotel_stay')
    with op.batch_alter_table('travel_support', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_travel_support_event_id'))
    op.drop_table('travel_support')

    # Travel agents' accounts go: their role no longer exists (their sign-ins go with
    # them through the foreign keys).
    user_account = sa.table('user_account', sa.column('role', sa.String))
    op.get_bind().execute(user_account.delete().where(user_account.c.role == 'travel'))
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_user_account_user_role'), type_='check')
        batch_op.create_check_constraint(
            op.f('ck_user_account_user_role'), sa.column('role').in_(OLD_ROLES))

    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.drop_column('budget_per_diem')
        batch_op.drop_column('budget_accommodation')
        batch_op.drop_column('budget_travel')
        batch_op.drop_column('support_on_signup')
        batch_op.drop_column('currency')
