"""account_type: personal | work_school | None. Everything that decides it is here.

1. The classifier (model.py), trained on the labelled messages of data/: product names
   (Hotmail, Xbox, Skype; Entra, tenant, "my employer"), denials ("not my work account"),
   corrections. It fills the slot only when sure (FILL_AT).
2. An email address, when the classifier does not decide: a rule, because a domain is a fact
   (email.py). A company's own domain means work or school unless the message leans personal.
3. Only an organisation has admins: a sole admin's account is work or school.
"Outlook", "Teams", "Microsoft account" and "Microsoft 365" alone say nothing (issue 13):
the training data labels them so.
"""

from __future__ import annotations

from bot.understanding.email import MailKind, mail_kinds
from bot.understanding.model import NONE, Probabilities

PERSONAL, WORK_SCHOOL = "personal", "work_school"
FILL_AT = 0.55
# A company address yields to the classifier's doubt: "our own family domain".
COMPANY_MAIL_UNLESS_PERSONAL_ABOVE = 0.2

_BY_MAIL = {MailKind.PERSONAL: PERSONAL, MailKind.SCHOOL_OR_PUBLIC: WORK_SCHOOL}


def decide(probabilities: Probabilities, text: str, is_admin: bool | None) -> str | None:
    """The account type to fill, from the classifier and the mail addresses in `text`; None if unsure."""
    best = max(probabilities, key=probabilities.__getitem__)
    if best != NONE and probabilities[best] >= FILL_AT:
        return best
    kinds = set(mail_kinds(text)) - {MailKind.FREE}
    by_mail = {_BY_MAIL.get(kind) for kind in kinds if kind in _BY_MAIL}
    if MailKind.COMPANY in kinds and probabilities.get(PERSONAL, 0.0) <= COMPANY_MAIL_UNLESS_PERSONAL_ABOVE:
        by_mail.add(WORK_SCHOOL)
    if len(by_mail) == 1:
        return by_mail.pop()
    if is_admin is True:
        return WORK_SCHOOL
    return None
