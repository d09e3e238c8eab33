"""E-mails through the outbox: queued, sending and retrying mail records, and when a
record may be tried (again).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 08:05:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

OLD = ('sent', 'written', 'failed')
NEW = ('queued', 'sending', 'retrying', *OLD)



def upgrade():
    # The status is a VARCHAR with a CHECK of its values (models/types.str_enum): the
    # CHECK is replaced (on SQLite, batch mode copies the table with the new one).
    with op.batch_alter_table('mail_record', schema=None) as batch_op:
        batch_op.add_column(sa.Column('next_try_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.drop_constraint(op.f('ck_mail_record_mail_status'), type_='check')
        batch_op.create_check_constraint(
            op.f('ck_mail_record_mail_status'), sa.column('status').in_(NEW))


def downgrade():
    # Messages still waiting cannot be told apart any more: they count as failed, which
    # the desk offers to resend.
    mail_record = sa.table('mail_record', sa.column('status', sa.String))
    op.get_bind().execute(mail_record.update()
                          .where(mail_record.c.status.in_(('queued', 'sending', 'retrying')))
                          .values(status='failed'))
    with op.batch_alter_table('mail_record', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_mail_record_mail_status'), type_='check')
        batch_op.create_check_constraint(
            op.f('ck_mail_record_mail_status'), sa.column('status').in_(OLD))
        batch_op.drop_column('next_try_at')
