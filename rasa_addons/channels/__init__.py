"""Where people meet the bot: the web chat widget, Slack and Microsoft Teams as Rasa channels.

credentials.yml names these classes. Slack and Teams read their secrets from environment
variables (bot/settings.py) and are off, with the server still starting, when those are unset.
"""
