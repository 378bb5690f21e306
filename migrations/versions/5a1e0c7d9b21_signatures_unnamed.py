"""signatures that count but leave the name off the delivery list

Revision ID: 5a1e0c7d9b21
Revises: 36b3ebea63a9
Create Date: 2026-11-29 04:15:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5a1e0c7d9b21'
down_revision = '36b3ebea63a9'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('signatures', schema=None) as batch_op:
        batch_op.add_column(sa.Column('unnamed', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade():
    with op.batch_alter_table('signatures', schema=None) as batch_op:
        batch_op.drop_column('unnamed')
