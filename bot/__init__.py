"""The recovery bot's domain: playbook, understanding, tickets, redaction, rendering.

This package never imports Rasa; `actions/` and `rasa_addons/` adapt it to Rasa.
"""
