"""What an email address's domain says about the account: a rule, because it is a fact.

Microsoft gives @outlook.com, @hotmail.*, @live.* and @msn.com addresses only to personal
Microsoft accounts, and a school's, public body's or Microsoft 365 tenant's domain is theirs.
A company's own domain usually means a work account (issue 13: work or school "unless the
person says otherwise"); a free mailbox (Gmail, Yahoo) says nothing. The lookup tables are
in mail_domains.yml.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum
from functools import lru_cache
from pathlib import Path

import yaml

DOMAINS_FILE = Path(__file__).with_name("mail_domains.yml")
# An address as people paste it, also masked ("ma*****@hotmail.com").
ADDRESS = re.compile(r"[\w.*+%'-]*@((?:[a-z0-9-]+\.)+[a-z]{2,})\b", re.IGNORECASE)


class MailKind(str, Enum):
    """Whose an address's domain is."""

    PERSONAL = "personal"  # Microsoft's consumer domains
    SCHOOL_OR_PUBLIC = "school_or_public"  # .edu, .ac.uk, .gov, onmicrosoft.com ...
    COMPANY = "company"  # any other own domain: usually an employer's
    FREE = "free"  # another company's free mailbox: says nothing


@dataclass(frozen=True)
class _Domains:
    personal: frozenset[str]
    free: frozenset[str]
    suffixes: tuple[str, ...]
    student_prefixes: tuple[str, ...]


@lru_cache(maxsize=1)
def _domains() -> _Domains:
    spec = yaml.safe_load(DOMAINS_FILE.read_text(encoding="utf-8"))
    return _Domains(
        personal=frozenset(spec["personal"]),
        free=frozenset(spec["free"]),
        suffixes=tuple(spec["organisation_suffixes"]),
        student_prefixes=tuple(spec["student_prefixes"]),
    )


def kind_of_domain(domain: str) -> MailKind:
    """Whose `domain` is: Microsoft's consumer mail, a school or public body, a company, a free mailbox."""
    domain = domain.strip(".").lower()
    domains = _domains()
    if domain in domains.personal:
        return MailKind.PERSONAL
    if domain in domains.free:
        return MailKind.FREE
    labels = domain.split(".")
    if any(domain == s or domain.endswith("." + s) for s in domains.suffixes) or any(
        ".".join(labels[: p.count(".") + 1]) == p for p in domains.student_prefixes
    ):
        return MailKind.SCHOOL_OR_PUBLIC
    return MailKind.COMPANY


def mail_kinds(text: str) -> list[MailKind]:
    """The kind of every address in `text`, in order."""
    return [kind_of_domain(match.group(1)) for match in ADDRESS.finditer(text)]


def with_mail_kinds(text: str) -> str:
    """`text` with each address replaced by a word naming its kind, for the classifiers.

    The classifiers then learn "mailcompany" once instead of every company's name.
    """
    return ADDRESS.sub(lambda match: f" mail{kind_of_domain(match.group(1)).value.replace('_', '')} ", text)
