"""initial workbench schema

Revision ID: 0001
Revises:
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create every workbench table with its indexes.

    Long because an Alembic migration is one linear script by convention: the tables in the order their
    foreign keys need, as autogenerate wrote them, read (and reviewed) top to bottom against the models.
    """
    op.create_table('wb_audit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('entity', sa.String(length=40), nullable=False),
    sa.Column('entity_id', sa.String(length=64), nullable=False),
    sa.Column('before_json', sa.Text(), nullable=True),
    sa.Column('after_json', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('wb_audit', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_wb_audit_at'), ['at'], unique=False)

    op.create_table('wb_login_attempt',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('ip', sa.String(length=64), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('ok', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('wb_login_attempt', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_wb_login_attempt_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_wb_login_attempt_ip'), ['ip'], unique=False)
        batch_op.create_index(batch_op.f('ix_wb_login_attempt_username'), ['username'], unique=False)

    op.create_table('wb_target_snapshot',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('city', sa.String(length=50), nullable=False),
    sa.Column('city_code', sa.String(length=12), nullable=False),
    sa.Column('taken_at', sa.DateTime(), nullable=False),
    sa.Column('data_date', sa.String(length=20), nullable=False),
    sa.Column('n_targets', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('wb_unit',
    sa.Column('code', sa.String(length=12), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.PrimaryKeyConstraint('code')
    )
    op.create_table('wb_target',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('snapshot_id', sa.Integer(), nullable=False),
    sa.Column('rank', sa.Integer(), nullable=False),
    sa.Column('firm_id', sa.String(length=64), nullable=False),
    sa.Column('stock_code', sa.String(length=20), nullable=True),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('legal_name', sa.String(length=300), nullable=True),
    sa.Column('tags', sa.String(length=200), nullable=True),
    sa.Column('home_province', sa.String(length=50), nullable=True),
    sa.Column('home_city', sa.String(length=50), nullable=True),
    sa.Column('home_region', sa.String(length=50), nullable=True),
    sa.Column('chain', sa.String(length=100), nullable=True),
    sa.Column('segment', sa.String(length=200), nullable=True),
    sa.Column('industry', sa.String(length=100), nullable=True),
    sa.Column('action', sa.String(length=20), nullable=True),
    sa.Column('county_code', sa.String(length=12), nullable=True),
    sa.Column('county_name', sa.String(length=100), nullable=True),
    sa.Column('score', sa.Float(), nullable=True),
    sa.Column('reasons', sa.Text(), nullable=True),
    sa.Column('local_presence', sa.Text(), nullable=True),
    sa.Column('evidence', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['snapshot_id'], ['wb_target_snapshot.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('wb_target', schema=None) as batch_op:
        batch_op.create_index('ix_wb_target_firm', ['firm_id'], unique=False)
        batch_op.create_index('ix_wb_target_snap_county', ['snapshot_id', 'county_code', 'rank'], unique=False)
        batch_op.create_index('ix_wb_target_snap_rank', ['snapshot_id', 'rank'], unique=False)

    op.create_table('wb_user',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('display_name', sa.String(length=100), nullable=False),
    sa.Column('password_hash', sa.String(length=200), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('unit_code', sa.String(length=12), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['unit_code'], ['wb_unit.code'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('username')
    )
    op.create_table('wb_lead',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('firm_id', sa.String(length=64), nullable=True),
    sa.Column('firm_name', sa.String(length=300), nullable=False),
    sa.Column('project_name', sa.String(length=300), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('chain', sa.String(length=100), nullable=True),
    sa.Column('segment', sa.String(length=200), nullable=True),
    sa.Column('home_province', sa.String(length=50), nullable=True),
    sa.Column('home_city', sa.String(length=50), nullable=True),
    sa.Column('suggested_county', sa.String(length=12), nullable=True),
    sa.Column('evidence', sa.Text(), nullable=True),
    sa.Column('unit_code', sa.String(length=12), nullable=True),
    sa.Column('route_status', sa.String(length=20), nullable=False),
    sa.Column('return_reason', sa.Text(), nullable=True),
    sa.Column('stage', sa.String(length=10), nullable=False),
    sa.Column('stage_date', sa.Date(), nullable=False),
    sa.Column('owner_name', sa.String(length=100), nullable=True),
    sa.Column('leader_name', sa.String(length=100), nullable=True),
    sa.Column('capital_type', sa.String(length=10), nullable=True),
    sa.Column('amount_wan', sa.Float(), nullable=True),
    sa.Column('fixed_investment_wan', sa.Float(), nullable=True),
    sa.Column('land_mu', sa.Float(), nullable=True),
    sa.Column('jobs', sa.Integer(), nullable=True),
    sa.Column('expected_tax_wan', sa.Float(), nullable=True),
    sa.Column('contract_amount_wan', sa.Float(), nullable=True),
    sa.Column('paid_in_wan', sa.Float(), nullable=True),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('review_conclusion', sa.String(length=20), nullable=True),
    sa.Column('routed_at', sa.DateTime(), nullable=True),
    sa.Column('accepted_at', sa.DateTime(), nullable=True),
    sa.Column('reviewed_at', sa.DateTime(), nullable=True),
    sa.Column('last_progress_at', sa.DateTime(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['created_by'], ['wb_user.id'], ),
    sa.ForeignKeyConstraint(['unit_code'], ['wb_unit.code'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('wb_lead', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_wb_lead_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_wb_lead_firm_id'), ['firm_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_wb_lead_stage'), ['stage'], unique=False)
        batch_op.create_index(batch_op.f('ix_wb_lead_unit_code'), ['unit_code'], unique=False)

    op.create_table('wb_session',
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('csrf', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['wb_user.id'], ),
    sa.PrimaryKeyConstraint('token_hash')
    )
    with op.batch_alter_table('wb_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_wb_session_user_id'), ['user_id'], unique=False)

    op.create_table('wb_file',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('lead_id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.Column('uploaded_by', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['lead_id'], ['wb_lead.id'], ),
    sa.ForeignKeyConstraint(['uploaded_by'], ['wb_user.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('wb_file', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_wb_file_lead_id'), ['lead_id'], unique=False)

    op.create_table('wb_review',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('lead_id', sa.Integer(), nullable=False),
    sa.Column('card_id', sa.String(length=50), nullable=False),
    sa.Column('card_version', sa.Integer(), nullable=False),
    sa.Column('scores_json', sa.Text(), nullable=False),
    sa.Column('vetoes_json', sa.Text(), nullable=False),
    sa.Column('total', sa.Float(), nullable=False),
    sa.Column('conclusion', sa.String(length=20), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('reviewer_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['lead_id'], ['wb_lead.id'], ),
    sa.ForeignKeyConstraint(['reviewer_id'], ['wb_user.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('wb_review', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_wb_review_lead_id'), ['lead_id'], unique=False)

    op.create_table('wb_lead_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('lead_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('event_date', sa.Date(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('unit_code', sa.String(length=12), nullable=True),
    sa.Column('from_stage', sa.String(length=10), nullable=True),
    sa.Column('to_stage', sa.String(length=10), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('capital_type', sa.String(length=10), nullable=True),
    sa.Column('amount_wan', sa.Float(), nullable=True),
    sa.Column('fixed_investment_wan', sa.Float(), nullable=True),
    sa.Column('land_mu', sa.Float(), nullable=True),
    sa.Column('jobs', sa.Integer(), nullable=True),
    sa.Column('expected_tax_wan', sa.Float(), nullable=True),
    sa.Column('contract_amount_wan', sa.Float(), nullable=True),
    sa.Column('paid_in_wan', sa.Float(), nullable=True),
    sa.Column('file_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['file_id'], ['wb_file.id'], ),
    sa.ForeignKeyConstraint(['lead_id'], ['wb_lead.id'], ),
    sa.ForeignKeyConstraint(['user_id'], ['wb_user.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('wb_lead_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_wb_lead_event_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_wb_lead_event_event_date'), ['event_date'], unique=False)
        batch_op.create_index(batch_op.f('ix_wb_lead_event_lead_id'), ['lead_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_wb_lead_event_unit_code'), ['unit_code'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('wb_lead_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_wb_lead_event_unit_code'))
        batch_op.drop_index(batch_op.f('ix_wb_lead_event_lead_id'))
        batch_op.drop_index(batch_op.f('ix_wb_lead_event_event_date'))
        batch_op.drop_index(batch_op.f('ix_wb_lead_event_at'))

    op.drop_table('wb_lead_event')
    with op.batch_alter_table('wb_review', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_wb_review_lead_id'))

    op.drop_table('wb_review')
    with op.batch_alter_table('wb_file', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_wb_file_lead_id'))

    op.drop_table('wb_file')
    with op.batch_alter_table('wb_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_wb_session_user_id'))

    op.drop_table('wb_session')
    with op.batch_alter_table('wb_lead', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_wb_lead_unit_code'))
        batch_op.drop_index(batch_op.f('ix_wb_lead_stage'))
        batch_op.drop_index(batch_op.f('ix_wb_lead_firm_id'))
        batch_op.drop_index(batch_op.f('ix_wb_lead_created_at'))

    op.drop_table('wb_lead')
    op.drop_table('wb_user')
    with op.batch_alter_table('wb_target', schema=None) as batch_op:
        batch_op.drop_index('ix_wb_target_snap_rank')
        batch_op.drop_index('ix_wb_target_snap_county')
        batch_op.drop_index('ix_wb_target_firm')

    op.drop_table('wb_target')
    op.drop_table('wb_unit')
    op.drop_table('wb_target_snapshot')
    with op.batch_alter_table('wb_login_attempt', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_wb_login_attempt_username'))
        batch_op.drop_index(batch_op.f('ix_wb_login_attempt_ip'))
        batch_op.drop_index(batch_op.f('ix_wb_login_attempt_at'))

    op.drop_table('wb_login_attempt')
    with op.batch_alter_table('wb_audit', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_wb_audit_at'))

    op.drop_table('wb_audit')
