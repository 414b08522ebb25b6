"""No secret is committed: every file git would commit is scanned for credentials.

High-confidence shapes (private keys, Slack, GitHub, AWS and JWT tokens, Slack webhook URLs)
are searched everywhere; a password, secret, token or key assigned a literal value is searched
outside tests/ (tests hold throwaway values for their local stand-ins, never real ones);
regular expressions (bot/redaction.yml describes secrets) are not values.
Files that only ever hold secrets (.env, *.pem, *.key, id_rsa) must not be in the tree at all.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from bot.settings import PROJECT_ROOT

EVERYWHERE = {
    "private key": r"-----BEGIN [A-Z ]*PRIVATE KEY-----",
    "Slack token": r"\bxox[abposr]-\d{6,}-[0-9A-Za-z-]{10,}",
    "Slack webhook": r"hooks\.slack\.com/services/T[A-Z0-9]+/B[A-Z0-9]+/\w+",
    "GitHub token": r"\bgh[pousr]_[A-Za-z0-9]{36}\b",
    "AWS access key": r"\bAKIA[0-9A-Z]{16}\b",
    "JWT": r"\beyJ[\w-]{10,}\.eyJ[\w-]{10,}\.[\w-]{10,}",
}
OUTSIDE_TESTS = {
    "literal credential": (
        r"(?i)\b[\w-]*(?:password|passwd|secret|token|api[_-]?key)[\w-]*[\"']?\s*[:=]\s*"
        r"[\"'](?![$<{])[^\"'\s\\(){}\[\]|]{8,}[\"']"  # a value, not a ${VARIABLE} or a pattern
    ),
}
SECRET_FILES = r"(^|/)(\.env(\..*)?|id_(rsa|ed25519|ecdsa)|[^/]*\.(pem|key|p12|pfx))$"


def committed_files() -> list[str]:
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return [name for name in listed.stdout.splitlines() if (PROJECT_ROOT / name).is_file()]


def findings(path: str, text: str) -> list[str]:
    rules = dict(EVERYWHERE)
    if not path.startswith("tests/"):
        rules.update(OUTSIDE_TESTS)
    return [
        f"{path}:{text.count(chr(10), 0, match.start()) + 1}: {name}"
        for name, pattern in rules.items()
        for match in re.finditer(pattern, text)
    ]


SELF = Path(__file__).resolve().relative_to(PROJECT_ROOT).as_posix()  # its samples below are fake


@pytest.mark.parametrize(
    ("path", "text", "found"),
    [
        ("bot/x.py", 'SLACK_BOT_TOKEN = "xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx"', 2),
        ("tests/x.py", 'SLACK_BOT_TOKEN = "xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx"', 1),
        ("tests/x.py", "-----BEGIN RSA PRIVATE KEY-----\nMIIE...", 1),
        ("endpoints.yml", 'helpdesk_token: "a1b2c3d4e5f6g7h8"', 1),
        ("bot/x.py", "password = 'correct-horse-battery'", 1),
        ("endpoints.yml", "token: ${HELPDESK_TOKEN}", 0),
        ("tests/x.py", 'SLACK_BOT_TOKEN="xoxb-test-token"', 0),
        ("README.md", "my password is wrong", 0),
    ],
)
def test_the_scanner_finds_what_it_should(path: str, text: str, found: int) -> None:
    assert len(findings(path, text)) == found


def test_no_secret_is_in_the_tree() -> None:
    files = committed_files()
    assert len(files) > 50
    assert [name for name in files if re.search(SECRET_FILES, name)] == []
    found = []
    for name in files:
        if name == SELF:
            continue
        data = Path(PROJECT_ROOT / name).read_bytes()
        if b"\0" not in data[:4096]:
            found += findings(name, data.decode("utf-8", errors="replace"))
    assert found == []
