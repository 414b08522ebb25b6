"""Speed-ups for Rasa 3.6 that keep its behaviour; `python -m rasa_addons` installs them.

Rasa checks every answer of the action server against a JSON schema with
`jsonschema.validate`, which first checks the schema itself against JSON Schema's
meta-schema, every time: about 30 ms per custom action call here, and a message of this bot
makes two to four calls (forms, validation, the served path). A validator built once does
the same check in about 2 ms (docs/benchmarks.md; likely the regression of RasaHQ/rasa#11717).
"""

from __future__ import annotations

from functools import cache
from typing import Any

from jsonschema.exceptions import best_match
from jsonschema.protocols import Validator
from jsonschema.validators import validator_for
from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL


@cache
def _action_result_validator() -> Validator:
    schema = RemoteAction.action_response_format_spec()
    validator_class = validator_for(schema)
    validator_class.check_schema(schema)
    return validator_class(schema)


def _validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
    """RemoteAction._validate_action_result with the validator built once (same errors)."""
    error = best_match(_action_result_validator().iter_errors(result))
    if error is not None:
        error.message += (
            ". Failed to validate Action server response from API, "
            "make sure your response from the Action endpoint is valid. "
            f"For more information about the format visit {DOCS_BASE_URL}/custom-actions"
        )
        raise error
    return True


def install() -> None:
    """Replaces Rasa's method; `rasa_addons/__main__.py` calls it before Rasa starts."""
    RemoteAction._validate_action_result = _validate_action_result
