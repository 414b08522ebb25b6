"""lockout_state: has_other_method | locked_out | None. Everything that decides it is here.

Decided like a support agent (issue 13), by the classifier (model.py) trained on data/:
- locked_out: the person cannot sign in now ("I'm locked out", "can't log in, the code goes
  to my old phone", "no other option shows up", a sign-in loop);
- has_other_method: a working method is named (backup email that works, the app on a tablet,
  a saved recovery code, a security key, a Temporary Access Pass) or they can still get in
  (still signed in on a laptop);
- None: a question asked in advance, or a story that never says whether they can get in.
The locked-out answers start with "if any other way still works, choose Sign in another
way", so a locked-out reading costs nobody with another method their shorter path.
"""

from __future__ import annotations

from bot.understanding.model import NONE, Probabilities

# A wrong lockout sends the person down the other path, an empty one costs one question: 0.55
# instead of 0.5 took wrong values in cross-validation on data/ from 1.3% to 0.9% for one
# held-out and one dev message asked instead of read (docs/understanding.md, second round).
FILL_AT = 0.55


def decide(probabilities: Probabilities) -> str | None:
    """The lockout state to fill, when the classifier is sure enough; else None."""
    best = max(probabilities, key=probabilities.__getitem__)
    return best if best != NONE and probabilities[best] >= FILL_AT else None
