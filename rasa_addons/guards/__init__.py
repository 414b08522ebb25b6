"""Hardening of the Rasa server, loaded by Rasa itself from credentials.yml and endpoints.yml.

- channel.py: GuardedChannel, the mixin of every input channel: each message passes the
  message guard, and the server's log masking and checked patches are ready before the first;
- messages.py: the guard: rate limits, size limit, secret masking, an apology for failures;
- client.py: the client's address (peer or trusted proxy header) and its pseudonymous key.
The stores (rasa_addons/stores.py) survive database restarts; rasa_addons/patches.py holds the
only replacements of Rasa functions, checked against the installed Rasa before they are made.
"""
