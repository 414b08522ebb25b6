"""Personal data over its whole life: retention of conversations and tickets, and a person's
export and deletion requests (GDPR), each recorded in the staff audit trail (docs/reliability.md)."""
