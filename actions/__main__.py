"""`python -m actions`: rasa_sdk's action server, which also forwards tickets in the background.

It takes rasa_sdk's arguments (`--port`, `--actions`, `--cors`, ...). It listens on ACTION_HOST
(127.0.0.1 by default) and refuses to listen elsewhere without ACTION_SERVER_TOKEN, which every
call must then carry (actions/hardening.py); log lines are masked (bot/redaction_logs.py).
Before serving it upgrades the ticket database to the newest migration; while serving, a ForwardingLoop
sends queued tickets to the configured helpdesk (none when HELPDESK is unset) and is
woken whenever a ticket is opened. tools/stack.py starts the action server this way.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

from rasa_sdk import utils
from rasa_sdk.constants import APPLICATION_ROOT_LOGGER_NAME
from rasa_sdk.endpoint import create_app, create_argument_parser, create_ssl_context
from rasa_sdk.plugin import plugin_manager
from sanic import Sanic

from actions.hardening import exposure_problem, guard_action_server
from actions.observability import attach_observability
from actions.tickets import start_forwarding
from bot.jsonlogs import configure_log_format
from bot.redaction_logs import install_log_masking
from bot.settings import (
    Configuration,
    ConfigurationError,
    GuardSettings,
    OperationsSettings,
    Settings,
)
from bot.tickets import TicketDesk

logger = logging.getLogger(__name__)


def attach_forwarding(app: Sanic) -> None:
    """Starts the forwarding loop with the server (in every worker) and stops it with it."""

    async def start_forwarding_loop(app: Sanic, _: Any) -> None:
        app.ctx.forwarding_loop = start_forwarding()

    async def stop_forwarding_loop(app: Sanic, _: Any) -> None:
        loop = getattr(app.ctx, "forwarding_loop", None)
        if loop is not None:
            loop.stop()

    app.register_listener(start_forwarding_loop, "after_server_start")
    app.register_listener(stop_forwarding_loop, "before_server_stop")


def main(argv: list[str] | None = None) -> None:
    """Starts the action server, refusing a public address without a token."""
    args = create_argument_parser().parse_args(argv)
    install_log_masking()
    try:
        Configuration.from_env()  # every variable checked before anything starts
    except ConfigurationError as unusable:
        sys.exit(f"python -m actions: the configuration is not usable:\n{unusable}")
    settings = Settings.from_env()
    host = settings.sanic_host or settings.action_host
    token = GuardSettings.from_env().action_server_token
    problem = exposure_problem(host, token)
    if problem:
        sys.exit(f"python -m actions: {problem}")
    utils.configure_colored_logging(args.loglevel)
    utils.configure_file_logging(
        logging.getLogger(APPLICATION_ROOT_LOGGER_NAME),
        args.log_file,
        args.loglevel,
        args.logging_config_file,
    )
    utils.update_sanic_log_level()
    logging.getLogger("bot").setLevel(logging.INFO)
    configure_log_format(OperationsSettings.from_env().log_format)

    setup = TicketDesk.from_env()  # fails fast on a bad HELPDESK configuration
    setup.upgrade()
    setup.db.dispose()

    app = create_app(args.actions or "actions", cors_origins=args.cors, auto_reload=args.auto_reload)
    plugin_manager().hook.attach_sanic_app_extensions(app=app)
    guard_action_server(app, token)
    attach_forwarding(app)
    attach_observability(app)
    ssl_context = create_ssl_context(args.ssl_certificate, args.ssl_keyfile, args.ssl_password)
    logger.info("action server on %s:%s", host, args.port)
    app.run(host, args.port, ssl=ssl_context, workers=utils.number_of_sanic_workers())


if __name__ == "__main__":
    main()
