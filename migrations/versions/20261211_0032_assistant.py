"""assistant: the answers staff keep, the city websites that may ask it, their synonyms, the city's own
crisis words, the masked questions that found no good
answer, and the month's counts

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-11 09:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import service.types

revision: str = '0032'
down_revision: str | None = '0031'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("organisation") as batch:
        batch.add_column(sa.Column("website_origins", sa.JSON(), nullable=True))
    op.create_table('assistant_asked',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('month', sqlmodel.sql.sqltypes.AutoString(length=7), nullable=False),
    sa.Column('answer_id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('times', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('organisation_id', 'month', 'answer_id', 'kind')
    )
    with op.batch_alter_table('assistant_asked', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assistant_asked_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('assistant_synonym',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('word', sqlmodel.sql.sqltypes.AutoString(length=50), nullable=False),
    sa.Column('means', sqlmodel.sql.sqltypes.AutoString(length=50), nullable=False),
    sa.Column('updated_at', service.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('organisation_id', 'word')
    )
    with op.batch_alter_table('assistant_synonym', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assistant_synonym_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('assistant_crisis_word',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('word', sqlmodel.sql.sqltypes.AutoString(length=50), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('organisation_id', 'word')
    )
    with op.batch_alter_table('assistant_crisis_word', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assistant_crisis_word_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('assistant_unanswered',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('text', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('times', sa.Integer(), nullable=False),
    sa.Column('not_helpful', sa.Integer(), nullable=False),
    sa.Column('first_asked_at', service.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_asked_at', service.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('organisation_id', 'text')
    )
    with op.batch_alter_table('assistant_unanswered', schema=None) as batch_op:
        batch_op.create_index('ix_assistant_unanswered_last', ['organisation_id', 'last_asked_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_assistant_unanswered_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('assistant_answer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('department', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('category', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('question_ja', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('question_en', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('question_easy', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('phrasings', sa.JSON(), nullable=True),
    sa.Column('answer_ja', sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=False),
    sa.Column('answer_en', sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=False),
    sa.Column('answer_easy', sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=False),
    sa.Column('programme_id', sa.Integer(), nullable=True),
    sa.Column('desk_id', sa.Integer(), nullable=True),
    sa.Column('facts', sa.JSON(), nullable=True),
    sa.Column('valid_from', sa.Date(), nullable=True),
    sa.Column('valid_until', sa.Date(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('updated_at', service.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['desk_id'], ['desk.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], ),
    sa.ForeignKeyConstraint(['programme_id'], ['programme.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('organisation_id', 'code')
    )
    with op.batch_alter_table('assistant_answer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assistant_answer_desk_id'), ['desk_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_assistant_answer_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_assistant_answer_programme_id'), ['programme_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table("organisation") as batch:
        batch.drop_column("website_origins")
    with op.batch_alter_table('assistant_answer', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assistant_answer_programme_id'))
        batch_op.drop_index(batch_op.f('ix_assistant_answer_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_assistant_answer_desk_id'))

    op.drop_table('assistant_answer')
    with op.batch_alter_table('assistant_unanswered', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assistant_unanswered_organisation_id'))
        batch_op.drop_index('ix_assistant_unanswered_last')

    op.drop_table('assistant_unanswered')
    with op.batch_alter_table('assistant_synonym', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assistant_synonym_organisation_id'))

    op.drop_table('assistant_synonym')
    with op.batch_alter_table('assistant_crisis_word', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assistant_crisis_word_organisation_id'))

    op.drop_table('assistant_crisis_word')
    with op.batch_alter_table('assistant_asked', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assistant_asked_organisation_id'))

    op.drop_table('assistant_asked')
