"""The staff audit trail: one JSON line per purge, export or deletion of personal data.

The line names what was done, by whom (the operating-system user), when, and how much; the
person concerned is named only by a SHA-256 of their email address or conversation
id, so the trail itself holds no personal data once their data is deleted.
"""

from __future__ import annotations

import getpass
import hashlib
import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any


def subject_hash(subject: str) -> str:
    """A short, stable hash of a person's address, for the audit file (never the address itself)."""
    return hashlib.sha256(subject.strip().casefold().encode()).hexdigest()[:16]


def audit(path: Path, action: str, **details: Any) -> dict[str, Any]:
    """Appends one line to the audit file (created when missing) and returns it."""
    line = {
        "at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "by": getpass.getuser(),
        "action": action,
        **details,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as trail:
        trail.write(json.dumps(line, sort_keys=True) + "\n")
    return line
