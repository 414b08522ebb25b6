"""Rasa-side plug-ins of the recovery bot: NLU components, stores, channels, start-up.

Everything here adapts `bot/` to Rasa 3.6; no domain rule lives in this package.
"""
