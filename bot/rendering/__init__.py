"""How the bot's answers look: one neutral markdown form, converted per channel."""

from bot.rendering.markdown import entry_markdown

__all__ = ["entry_markdown"]
