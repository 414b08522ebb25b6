"""Custom actions: thin rasa_sdk adapters that read slots, call `bot`, return events.

The rule for blocking work: `bot` is synchronous (SQLAlchemy, requests, Redis), and the
action server runs every action of every conversation on one event loop. An action therefore
never calls a `bot` function that touches a database, a helpdesk or Redis directly: it awaits
`asyncio.to_thread(function, ...)`, so one slow database or helpdesk delays only the
conversation waiting for it (tests/actions/test_event_loop.py). Pure functions (reading text,
redaction, the playbook) are called directly.
"""
