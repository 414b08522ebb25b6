"""Custom actions: thin rasa_sdk adapters that read slots, call `bot`, return events."""
