"""Handoff to agents and back: handoffs, agent messages, ticket comments, feedback, reminders.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

UTC_DATETIME = sa.DateTime(timezone=True)


def _ticket_fk(table: str, ondelete: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["ticket_id"], ["tickets.id"], name=f"fk_{table}_ticket_id_tickets", ondelete=ondelete
    )


def upgrade() -> None:
    """Creates the tables of the live handoff."""
    op.create_table(
        "handoffs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("sender_id", sa.String(255), nullable=False),
        sa.Column("channel", sa.String(40), nullable=False),
        sa.Column("address", sa.Text(), nullable=False),
        sa.Column("state", sa.String(12), nullable=False),
        sa.Column("started_at", UTC_DATETIME, nullable=False),
        sa.Column("last_agent_at", UTC_DATETIME, nullable=True),
        sa.Column("quiet_notice_at", UTC_DATETIME, nullable=True),
        sa.Column("ended_at", UTC_DATETIME, nullable=True),
        sa.Column("ended_by", sa.String(40), nullable=True),
        _ticket_fk("handoffs", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_handoffs"),
        sa.UniqueConstraint("ticket_id", name="uq_handoffs_ticket_id"),
    )
    op.create_index("ix_handoffs_sender_id", "handoffs", ["sender_id"])
    op.create_index("ix_handoffs_state", "handoffs", ["state"])

    op.create_table(
        "agent_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("helpdesk", sa.String(20), nullable=False),
        sa.Column("external_id", sa.String(160), nullable=False),
        sa.Column("reference", sa.String(120), nullable=False),
        sa.Column("handoff_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(12), nullable=False),
        sa.Column("author", sa.String(200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("written_at", UTC_DATETIME, nullable=False),
        sa.Column("received_at", UTC_DATETIME, nullable=False),
        sa.Column("state", sa.String(12), nullable=False),
        sa.Column("claimed_until", UTC_DATETIME, nullable=True),
        sa.Column("delivered_at", UTC_DATETIME, nullable=True),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["handoff_id"], ["handoffs.id"], name="fk_agent_messages_handoff_id_handoffs", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_agent_messages"),
        sa.UniqueConstraint("helpdesk", "external_id", name="uq_agent_messages_helpdesk"),
    )
    op.create_index("ix_agent_messages_handoff_id", "agent_messages", ["handoff_id"])
    op.create_index("ix_agent_messages_state", "agent_messages", ["state"])

    op.create_table(
        "ticket_comments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(80), nullable=False),
        sa.Column("public", sa.Boolean(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("state", sa.String(12), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", UTC_DATETIME, nullable=False),
        sa.Column("claimed_until", UTC_DATETIME, nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("delivered_at", UTC_DATETIME, nullable=True),
        _ticket_fk("ticket_comments", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_ticket_comments"),
        sa.UniqueConstraint("key", name="uq_ticket_comments_key"),
    )
    op.create_index("ix_ticket_comments_ticket_id", "ticket_comments", ["ticket_id"])
    op.create_index("ix_ticket_comments_state", "ticket_comments", ["state"])

    op.create_table(
        "feedback",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("sender_id", sa.String(255), nullable=False),
        sa.Column("channel", sa.String(40), nullable=False),
        sa.Column("recovery_path", sa.String(120), nullable=True),
        sa.Column("moment", sa.String(12), nullable=False),
        sa.Column("helped", sa.Boolean(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("ticket_id", sa.Integer(), nullable=True),
        _ticket_fk("feedback", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name="pk_feedback"),
    )
    op.create_index("ix_feedback_sender_id", "feedback", ["sender_id"])

    op.create_table(
        "reminders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sender_id", sa.String(255), nullable=False),
        sa.Column("channel", sa.String(40), nullable=False),
        sa.Column("address", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("due_at", UTC_DATETIME, nullable=False),
        sa.Column("state", sa.String(12), nullable=False),
        sa.Column("claimed_until", UTC_DATETIME, nullable=True),
        sa.Column("sent_at", UTC_DATETIME, nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        _ticket_fk("reminders", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name="pk_reminders"),
        sa.UniqueConstraint("sender_id", "kind", name="uq_reminders_sender_id"),
    )
    op.create_index("ix_reminders_due_at", "reminders", ["due_at"])
    op.create_index("ix_reminders_state", "reminders", ["state"])


def downgrade() -> None:
    """Drops the tables of the live handoff."""
    op.drop_table("reminders")
    op.drop_table("feedback")
    op.drop_table("ticket_comments")
    op.drop_table("agent_messages")
    op.drop_table("handoffs")
