"""Registration details: dietary needs, accessibility, photo and privacy consent, public
seats, waiting-list order, check-in, printing and anonymisation times.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 13:31:14.147479

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

DIETARY = ('none', 'vegetarian', 'vegan', 'halal', 'kosher', 'gluten-free', 'other')


def upgrade():
    # NOT NULL columns get server defaults for the rows already there, dropped below.
    with op.batch_alter_table('registration', schema=None) as batch_op:
        batch_op.add_column(sa.Column('dietary', sa.Enum(*DIETARY, name='dietary', native_enum=False, create_constraint=True, length=20), nullable=False, server_default='none'))
        batch_op.add_column(sa.Column('dietary_other', sa.String(length=200), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('accessibility', sa.String(length=1000), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('photo_consent', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('privacy_consent_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('privacy_version', sa.String(length=64), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('counts_towards_capacity', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('waitlisted_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('checked_in_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('printed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('anonymised_at', sa.DateTime(timezone=True), nullable=True))

    # Existing participants and press take public seats, as new public sign-ups will;
    # people already waiting keep their order (sign-up time, then id).
    registration = sa.table(
        'registration', sa.column('category', sa.String), sa.column('status', sa.String),
        sa.column('counts_towards_capacity', sa.Boolean),
        sa.column('created_at', sa.DateTime(timezone=True)),
        sa.column('waitlisted_at', sa.DateTime(timezone=True)))
    connection = op.get_bind()
    connection.execute(registration.update()
                       .where(registration.c.category.in_(('participant', 'press')))
                       .values(counts_towards_capacity=True))
    connection.execute(registration.update()
                       .where(registration.c.status == 'waitlisted')
                       .values(waitlisted_at=registration.c.created_at))

    with op.batch_alter_table('registration', schema=None) as batch_op:
        # The defaults only filled existing rows; the application sets the values.
        batch_op.alter_column('dietary', existing_type=sa.String(length=20), server_default=None)
        batch_op.alter_column('dietary_other', existing_type=sa.String(length=200), server_default=None)
        batch_op.alter_column('accessibility', existing_type=sa.String(length=1000), server_default=None)
        batch_op.alter_column('photo_consent', existing_type=sa.Boolean(), server_default=None)
        batch_op.alter_column('privacy_version', existing_type=sa.String(length=64), server_default=None)
        batch_op.alter_column('counts_towards_capacity', existing_type=sa.Boolean(), server_default=None)


def downgrade():
    with op.batch_alter_table('registration', schema=None) as batch_op:
        # SQLite's copy of the table would otherwise keep a CHECK on a missing column.
        batch_op.drop_constraint(op.f('ck_registration_dietary'), type_='check')
        batch_op.drop_column('anonymised_at')
        batch_op.drop_column('printed_at')
        batch_op.drop_column('checked_in_at')
        batch_op.drop_column('waitlisted_at')
        batch_op.drop_column('counts_towards_capacity')
        batch_op.drop_column('privacy_version')
        batch_op.drop_column('privacy_consent_at')
        batch_op.drop_column('photo_consent')
        batch_op.drop_column('accessibility')
        batch_op.drop_column('dietary_other')
        batch_op.drop_column('dietary')
