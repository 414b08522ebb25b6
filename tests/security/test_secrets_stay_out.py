"""People paste every kind of secret; afterwards no store, request or log holds any of them.

Conversations over REST (on a Rasa server with a PostgreSQL tracker store and one with SQLite)
and over socket.io (the widget's channel) paste each kind of secret, in messages and in
metadata, and open a ticket whose description holds more. Then every table of both tracker
stores and of the ticket store, every request the helpdesk received, and every log file (the
servers log at DEBUG) are searched: none of the secrets is found, and the logs hold no email
address or phone number either. (Slack and Teams pass through the same guard:
tests/channels/test_channel_secrets.py.)
"""

from __future__ import annotations

import json
import re
import secrets

import pytest
from secure_stack import SecureBot, widget_conversation
from sqlalchemy import MetaData, create_engine, select

from tools.stack import wait_until

pytestmark = pytest.mark.servers

# (message pasted, the secret in it as it would be searched for)
PASTED = [
    ("I got the code 482915 but it says it's wrong", r"(?<![\d.])482915(?!\d)"),
    ("the text said 731 902, is that right?", r"731 902"),
    ("my recovery code is ABCDE-FGHIJ-KLMNO-PQRST-UVWXY", r"ABCDE-FGHIJ"),
    ("7KQ2M-X9PLR-4TZ8W-B3NHC-6VJ5D is what I saved", r"7KQ2M-X9PLR"),
    ("my password is Sup3r-Secret!Pw and it still fails", r"Sup3r-Secret"),
    ("pw: Tr0ub4dor&3", r"Tr0ub4dor"),
    ("IT gave me a Temporary Access Pass: Xk9#mQ2$vLp8", r"Xk9#mQ2"),
    ("the secret key is jbsw y3dp ehpk 3pxp", r"jbsw y3dp"),
    ("otpauth://totp/Microsoft:jane?secret=JBSWY3DPEHPK3PXQ&issuer=Microsoft", r"JBSWY3DPEHPK3PXQ"),
    ("here is what the app showed nc+&G=xwDKCz7", r"xwDKCz7"),
]
IN_METADATA = ("my password is MetaPass!99", r"MetaPass")
IN_TICKET = (
    "new phone; my password is Hunter2!Ticket and the code 660417 never arrives",
    r"Hunter2!Ticket|(?<![\w.])660417(?!\w)",  # the code as a token, not digits of an id or a time
)
CONTACT = "jane.doe@example.com"
PHONE = "+44 7700 900123"
WARNING = "I removed"


def secret_patterns() -> list[str]:
    return [pattern for _, pattern in (*PASTED, IN_METADATA, IN_TICKET)]


def dump_database(url: str) -> str:
    """Every row of every table, as text."""
    engine = create_engine(url, future=True)
    metadata = MetaData()
    metadata.reflect(engine)
    with engine.connect() as connection:
        rows = [
            repr(tuple(row)) for table in metadata.sorted_tables for row in connection.execute(select(table))
        ]
    engine.dispose()
    return "\n".join(rows)


def test_no_pasted_secret_reaches_any_store_request_or_log(secure_bot: SecureBot) -> None:
    pasted = 0
    for server in (0, 1):
        sender = f"paste-{server}-{secrets.token_hex(4)}"
        for message, pattern in PASTED:
            reply = secure_bot.say(sender, message, server=server)
            pasted += 1
            assert WARNING in reply, (message, reply)
            assert not re.search(pattern, reply)
        body = {"sender": sender, "message": "hello", "metadata": {"note": IN_METADATA[0]}}
        assert secure_bot.post(json.dumps(body), server=server).status_code == 200
        pasted += 1
        texts = [
            e.get("text") for e in secure_bot.tracker(sender, server)["events"] if e.get("event") == "user"
        ]
        assert "my recovery code is [recovery code removed]" in texts

    widget_answers = widget_conversation(secure_bot.stacks[0].url(), [m for m, _ in PASTED[:5]])
    pasted += 5
    assert sum(WARNING in answer for answer in widget_answers) == 5, widget_answers

    sender = f"ticket-{secrets.token_hex(4)}"
    assert "email address" in secure_bot.say(sender, f"I want to talk to a person, call me on {PHONE}")
    assert "what happened" in secure_bot.say(sender, f"my email is {CONTACT}")
    opened = secure_bot.say(sender, IN_TICKET[0])
    pasted += 2
    assert "I've opened support ticket" in opened and WARNING in opened
    ticket_id = re.search(r"RB-[0-9A-Z]+", opened)
    assert ticket_id, opened

    def forwarded_ticket() -> str:  # other tests of this module forward tickets too
        return "\n".join(r for r in secure_bot.helpdesk.received() if ticket_id[0] in r)

    assert wait_until(lambda: bool(forwarded_ticket()))
    forwarded = forwarded_ticket()
    assert "[password removed]" in forwarded and CONTACT in forwarded  # the ticket itself arrived

    stores = {
        "PostgreSQL tracker": dump_database(secure_bot.stacks[0].settings.tracker_db_url),
        "SQLite tracker": dump_database(secure_bot.stacks[1].settings.tracker_db_url),
        "tickets": dump_database(secure_bot.stacks[0].settings.tickets_db_url),
        "helpdesk requests": forwarded,
    }
    logs = {path.name: path.read_text(errors="replace") for path in (secure_bot.var_dir / "logs").iterdir()}
    assert (
        "[password removed]" in stores["PostgreSQL tracker"] and "[code removed]" in stores["SQLite tracker"]
    )
    assert len(logs) == 3 and all(logs.values())
    found = [  # with the text around each finding, to tell a leak from a coincidence
        (where, text[max(match.start() - 60, 0) : match.end() + 60])
        for where, text in {**stores, **logs}.items()
        for pattern in secret_patterns()
        for match in re.finditer(pattern, text)
    ]
    print(
        f"\nsecrets pasted: {pasted} (10 kinds, REST x2 stores, socket.io, metadata, ticket); "
        f"found in stores, requests, logs: {len(found)}"
    )
    assert found == []
    contact_in_logs = [
        (name, match)
        for name, text in logs.items()
        for match in re.findall(r"[\w.+-]+@[\w-]+\.[\w.-]+|\+44 7700 900123|7700 900123", text)
    ]
    assert contact_in_logs == []
