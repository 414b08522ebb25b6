"""Log lines never carry a pasted secret, an email address or a phone number (bot/redaction_logs.py)."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from bot.redaction_logs import install_log_masking


@pytest.fixture
def masking() -> Iterator[None]:
    original = logging.getLogRecordFactory()
    install_log_masking()
    install_log_masking()  # a second install changes nothing
    yield
    logging.setLogRecordFactory(original)


def test_messages_and_tracebacks_are_masked(masking: None, caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("rasa.core.processor")
    with caplog.at_level(logging.DEBUG):
        logger.debug("Received user message '%s'", "my password is Hunter2!x, mail jane@example.com")
        logger.info("call +44 7700 900123, code %d", 482915)
        try:
            raise ValueError("bad recovery code ABCDE-FGHIJ-KLMNO-PQRST-UVWXY")
        except ValueError:
            logger.exception("failed for jane@example.com")
        logger.warning("a malformed call %s %s", "only one argument")
    text = caplog.text
    for secret in ("Hunter2", "jane@example.com", "7700 900123", "482915", "ABCDE-FGHIJ", "only one"):
        assert secret not in text
    assert "[password removed]" in text and "[email]" in text and "[phone]" in text
    assert "[recovery code removed]" in text and "ValueError" in text
    assert "a malformed call %s %s" in text  # kept as its format string, not an error


TRAINING_LOG = "4123 vocabulary items were created for text attribute."


@pytest.mark.parametrize(
    "line",
    [
        TRAINING_LOG,
        "729 vocabulary items were created for text attribute.",
        "Training data stats: - intent examples: 1184 (36 distinct intents)",
        "Starting worker [48213]",
    ],
)
def test_counts_and_ids_in_ordinary_log_lines_are_kept(
    masking: None, caplog: pytest.LogCaptureFixture, line: str
) -> None:
    logger = logging.getLogger("rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer")
    with caplog.at_level(logging.INFO):
        logger.info(line)
    assert caplog.records[-1].getMessage() == line


def test_a_code_pasted_in_a_training_log_line_is_still_masked(
    masking: None, caplog: pytest.LogCaptureFixture
) -> None:
    logger = logging.getLogger("rasa.core.processor")
    with caplog.at_level(logging.INFO):
        logger.info("%s Received user message 'my code is 482915, or try 739104'", TRAINING_LOG)
    message = caplog.records[-1].getMessage()
    assert message.startswith(TRAINING_LOG)
    assert "482915" not in message and "739104" not in message
    assert message.count("[code removed]") == 2
