"""Which training messages teach the slot classifiers, and with what labels.

A block of NLU examples in data/ carries its slot labels as metadata, Rasa's own format:

    - intent: report_problem
      metadata: {slots: {account_type: personal, lockout_state: locked_out}}
      examples: |
        - locked out of my hotmail ...

A slot the block does not name is "none" (the messages do not say). An example may carry
its own `metadata: {slots: ...}`, which overrides the block's per slot. Blocks without slot
metadata teach the classifiers only when their intent never states a slot (greetings,
thanks): every slot is "none" there. Other blocks (short replies to the bot's questions,
read by answers.py while a question is open) teach intents only.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import yaml

from bot.understanding.model import NONE, SLOTS

# Intents whose messages never state an account, a lockout, an admin role or a situation.
SAYS_NOTHING = frozenset(
    {"greet", "goodbye", "thank", "affirm", "deny", "bot_challenge", "ask_capabilities",
     "out_of_scope", "restart_conversation", "request_human", "cancel", "ask_ticket_status", "unsure"}
)  # fmt: skip


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return NONE if value is None else str(value)


def labels_of(intent: str | None, intent_metadata: Any, example_metadata: Any) -> dict[str, str] | None:
    """The slot labels of one training example, or None when it teaches no slot."""
    block = (intent_metadata or {}).get("slots") if isinstance(intent_metadata, Mapping) else None
    own = (example_metadata or {}).get("slots") if isinstance(example_metadata, Mapping) else None
    if block is None and own is None:
        return {slot: NONE for slot in SLOTS} if intent in SAYS_NOTHING else None
    merged = {**(block or {}), **(own or {})}
    unknown = set(merged) - set(SLOTS)
    if unknown:
        raise ValueError(f"unknown slot label(s) {sorted(unknown)} in metadata of intent {intent!r}")
    return {slot: _value(merged.get(slot)) for slot in SLOTS}


def examples_of(block: Mapping[str, Any]) -> Iterator[tuple[str, Any]]:
    """(text, example metadata) of every example of an NLU block, in either YAML form."""
    examples = block.get("examples") or []
    if isinstance(examples, str):
        for line in examples.splitlines():
            line = line.strip()
            if line.startswith("- "):
                yield line[2:].strip(), None
        return
    for example in examples:
        yield str(example["text"]).strip(), example.get("metadata")


def labelled_examples(data_dir: Path) -> list[tuple[str, dict[str, str]]]:
    """Every (text, labels) pair of the NLU files under `data_dir`, read without Rasa.

    The Rasa component reads the same data through Rasa's loader and labels_of(); this reader
    lets bot's tests train the same classifiers without Rasa.
    """
    pairs = []
    for path in sorted(data_dir.rglob("*.yml")):
        spec = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for block in spec.get("nlu") or []:
            if "intent" not in block:
                continue
            for text, metadata in examples_of(block):
                labels = labels_of(block["intent"], block.get("metadata"), metadata)
                if labels is not None:
                    pairs.append((text, labels))
    return pairs
