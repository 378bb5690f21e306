"""publishers, legal bases, public and research notes

Revision ID: 08da8a52ba0f
Revises: be1c13db8cad
Create Date: 2026-11-28 20:54:10.821651

The old `notes` mixed editorial text with researchers' notes, so they all become research
notes (never published); public notes start empty and come with the next `flask data load`.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '08da8a52ba0f'
down_revision = 'be1c13db8cad'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('legal_bases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('iso2', sa.String(length=2), nullable=False),
    sa.Column('basis', sa.String(length=20), nullable=False),
    sa.Column('public_note', sa.Text(), nullable=False),
    sa.Column('sources', sa.JSON(), nullable=False),
    sa.Column('research_note', sa.Text(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_legal_bases')),
    sa.UniqueConstraint('iso2', name=op.f('uq_legal_bases_iso2'))
    )
    op.create_table('publishers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=80), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('identifies', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_publishers')),
    sa.UniqueConstraint('key', name=op.f('uq_publishers_key'))
    )
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.alter_column('notes', new_column_name='research_note')

    for table in ('measures', 'treaties'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column('notes', new_column_name='research_note')
            batch_op.add_column(sa.Column('public_note', sa.Text(), nullable=False, server_default=''))
            batch_op.add_column(sa.Column(
                'ends_on' if table == 'measures' else 'disputed_since', sa.String(length=10), nullable=True))
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column('public_note', server_default=None)


def downgrade():
    for table in ('treaties', 'measures'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('disputed_since' if table == 'treaties' else 'ends_on')
            batch_op.drop_column('public_note')
            batch_op.alter_column('research_note', new_column_name='notes')

    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.alter_column('research_note', new_column_name='notes')

    op.drop_table('publishers')
    op.drop_table('legal_bases')
