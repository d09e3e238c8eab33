"""Visa invitation letters (passport data encrypted), their letterhead settings, expense
claims with their lines (the travel agent role they use comes with 0013).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03 10:40:55.194567

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

def upgrade():
    op.create_table('letter_settings',
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('signatory_name', sa.String(length=200), nullable=False),
    sa.Column('signatory_title', sa.String(length=200), nullable=False),
    sa.Column('signature', sa.String(length=200), nullable=False),
    sa.Column('language', sa.String(length=10), nullable=False),
    sa.Column('passport_retention_days', sa.Integer(), nullable=False),
    sa.CheckConstraint('passport_retention_days >= 0', name=op.f('ck_letter_settings_retention_not_negative')),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], name=op.f('fk_letter_settings_event_id_event'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('event_id', name=op.f('pk_letter_settings'))
    )
    op.create_table('expense_claim',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('registration_id', sa.Integer(), nullable=False),
    sa.Column('bank_details', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], name=op.f('fk_expense_claim_event_id_event'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['registration_id'], ['registration.id'], name=op.f('fk_expense_claim_registration_id_registration'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_expense_claim')),
    sa.UniqueConstraint('registration_id', name=op.f('uq_expense_claim_registration_id'))
    )
    with op.batch_alter_table('expense_claim', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_expense_claim_event_id'), ['event_id'], unique=False)

    op.create_table('visa_letter',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('registration_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('requested', 'approved', 'declined', 'revoked', name='letter_status', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('passport', sa.Text(), nullable=True),
    sa.Column('consulate_city', sa.String(length=120), nullable=False),
    sa.Column('language', sa.String(length=10), nullable=False),
    sa.Column('covered', sa.JSON(), nullable=False),
    sa.Column('stay_from', sa.Date(), nullable=True),
    sa.Column('stay_until', sa.Date(), nullable=True),
    sa.Column('number', sa.Integer(), nullable=True),
    sa.Column('code', sa.String(length=16), nullable=True),
    sa.Column('decline_reason', sa.String(length=500), nullable=False),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('passport_erased_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user_account.id'], name=op.f('fk_visa_letter_decided_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], name=op.f('fk_visa_letter_event_id_event'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['registration_id'], ['registration.id'], name=op.f('fk_visa_letter_registration_id_registration'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_visa_letter')),
    sa.UniqueConstraint('code', name=op.f('uq_visa_letter_code')),
    sa.UniqueConstraint('event_id', 'number', name=op.f('uq_visa_letter_event_id_number')),
    sa.UniqueConstraint('registration_id', name=op.f('uq_visa_letter_registration_id'))
    )
    with op.batch_alter_table('visa_letter', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_visa_letter_event_id'), ['event_id'], unique=False)

    op.create_table('claim_line',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('claim_id', sa.Integer(), nullable=False),
    sa.Column('category', sa.Enum('travel', 'accommodation', 'meals', 'local-transport', 'visa', 'other', name='expense_category', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('description', sa.String(length=300), nullable=False),
    sa.Column('amount', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('receipt', sa.String(length=200), nullable=False),
    sa.Column('status', sa.Enum('pending', 'approved', 'rejected', name='claim_line_status', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('amount > 0', name=op.f('ck_claim_line_amount_positive')),
    sa.ForeignKeyConstraint(['claim_id'], ['expense_claim.id'], name=op.f('fk_claim_line_claim_id_expense_claim'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_claim_line'))
    )
    with op.batch_alter_table('claim_line', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_claim_line_claim_id'), ['claim_id'], unique=False)



def downgrade():
    with op.batch_alter_table('claim_line', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_claim_line_claim_id'))

    op.drop_table('claim_line')
    with op.batch_alter_table('visa_letter', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_visa_letter_event_id'))

    op.drop_table('visa_letter')
    with op.batch_alter_table('expense_claim', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_expense_claim_event_id'))

    op.drop_table('expense_claim')
    op.drop_table('letter_settings')
