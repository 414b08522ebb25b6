"""From what a person wrote to the slot values of the evaluation contract."""

from bot.understanding.signals import Mention, Signals, read_signals

__all__ = ["Mention", "Signals", "read_signals"]
