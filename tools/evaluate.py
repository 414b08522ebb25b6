"""`make evaluate`: how well the trained bot understands the held-out set in tests/evaluation/.

A benchmark, not a test: it prints figures and never fails on them. It starts the real bot
(tools/stack.py) on free ports, reads each message of messages.yml through Rasa's
/model/parse (the full NLU pipeline, including the signal component that fills the slots),
plays each conversation of conversations.yml over the REST channel and reads the
recovery_path from the tracker, then runs `rasa test nlu` cross-validation on data/.
"""

from __future__ import annotations

import argparse
import itertools
import json
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
import yaml

from bot.playbook import default_playbook
from bot.settings import PROJECT_ROOT
from tools.stack import DEFAULT_MODEL, ONE_ADDRESS_LOAD_ENV, Stack, isolated_settings

EVALUATION_DIR = PROJECT_ROOT / "tests" / "evaluation"
SLOTS = ("account_type", "lockout_state", "is_admin")
SIGNAL_EXTRACTOR = "RecoverySignals"
# Intents whose rule opens the recovery form (data/recovery/rules.yml).
RECOVERY_INTENTS = {"report_problem", "state_has_other_method", "state_locked_out", "inform"}
TARGETS = {"account type": 0.97, "lockout state": 0.93}
FALSE_FILL_TARGET = 0.02


@dataclass
class Tally:
    """Right answers out of all, with the misses kept for the report."""

    right: int = 0
    total: int = 0
    misses: list[str] = field(default_factory=list)

    def add(self, ok: bool, miss: str) -> None:
        self.total += 1
        self.right += ok
        if not ok:
            self.misses.append(miss)

    @property
    def rate(self) -> float:
        return self.right / self.total if self.total else 0.0

    def line(self, name: str) -> str:
        return f"{name:<28} {self.rate:7.1%}  ({self.right}/{self.total})"


def load(name: str) -> Any:
    return yaml.safe_load((EVALUATION_DIR / name).read_text(encoding="utf-8"))


def parse(stack: Stack, text: str) -> dict[str, Any]:
    reply = requests.post(
        f"{stack.url()}/model/parse",
        params={"token": stack.settings.rasa_auth_token},
        json={"text": text},
        timeout=60,
    )
    reply.raise_for_status()
    return dict(reply.json())


def signal_values(parsed: dict[str, Any]) -> dict[str, Any]:
    return {
        e["entity"]: e["value"] for e in parsed.get("entities", []) if e.get("extractor") == SIGNAL_EXTRACTOR
    }


def situations_served_alike() -> dict[str | None, tuple[str | None, ...]]:
    """Each situation (and None) mapped to the entries it leads to for every slot combination.

    Two situations with the same entries are the same to the playbook ("new phone" and
    "Authenticator lost" both serve the Authenticator path), so mixing them up changes nothing.
    """
    playbook = default_playbook()
    combinations = list(
        itertools.product(*([None, *sorted(playbook.fact_values[n], key=str)] for n in playbook.askable))
    )

    def served(situation: str | None) -> tuple[str | None, ...]:
        entries = (
            playbook.match({**dict(zip(playbook.askable, values, strict=True)), "situation": situation})
            for values in combinations
        )
        return tuple(entry.id if entry else None for entry in entries)

    return {situation: served(situation) for situation in [None, *playbook.fact_values["situation"]]}


def evaluate_messages(stack: Stack, messages: Iterable[dict[str, Any]]) -> list[str]:
    slot_tallies = {slot: Tally() for slot in (*SLOTS, "situation")}
    served_alike = Tally()  # situations the playbook treats the same count as equal
    same_path = situations_served_alike()
    intents = Tally()
    routed = Tally()  # recovery messages whose intent opens the recovery form
    admin_detected = Tally()
    false_fills = Tally()  # one per (message, slot) the message does not state
    wrong_values = Tally()  # one per (message, slot) the message does state
    for message in messages:
        text = message["text"]
        parsed = parse(stack, text)
        if "intent" in message:
            got = parsed["intent"]["name"]
            intents.add(got == message["intent"], f"{text!r}: {got}, expected {message['intent']}")
        if "account_type" not in message:
            continue  # a dialogue message: only its intent is scored
        got_intent = parsed["intent"]["name"]
        routed.add(got_intent in RECOVERY_INTENTS, f"{text!r}: intent {got_intent}, not a recovery intent")
        values = signal_values(parsed)
        for slot, tally in slot_tallies.items():
            expected, got = message.get(slot), values.get(slot)
            miss = f"{text!r}: {slot} = {got}, expected {expected}"
            tally.add(got == expected, miss)
            if slot == "situation":
                served_alike.add(same_path.get(got) == same_path.get(expected), miss)
                continue
            if expected is None:
                false_fills.add(got is None, miss)
            else:
                wrong_values.add(got in (None, expected), miss)
                if slot == "is_admin":
                    admin_detected.add(got == expected, miss)
    names = {"account_type": "account type", "lockout_state": "lockout state", "is_admin": "admin"}
    lines = [
        f"Messages: {slot_tallies['account_type'].total} with expected slots, {intents.total} with an intent"
    ]
    for slot, tally in slot_tallies.items():
        name = names.get(slot, slot)
        target = TARGETS.get(name)
        lines.append(tally.line(f"{name} accuracy") + (f"  target >= {target:.0%}" if target else ""))
    lines.append(admin_detected.line("admin detection (stated)"))
    false_rate = 1 - false_fills.rate
    lines.append(served_alike.line("situation (as served)"))
    lines.append(
        f"{'false fills':<28} {false_rate:7.1%}  ({false_fills.total - false_fills.right}/{false_fills.total}"
        f" unstated slots filled)  target <= {FALSE_FILL_TARGET:.0%}"
    )
    lines.append(
        f"{'wrong values':<28} {1 - wrong_values.rate:7.1%}  "
        f"({wrong_values.total - wrong_values.right}/{wrong_values.total} stated slots filled wrongly)"
    )
    lines.append(intents.line("intent accuracy"))
    lines.append(routed.line("recovery messages routed"))
    misses = [m for t in (*slot_tallies.values(), intents, routed) for m in t.misses]
    return [*lines, "", "Misses:", *(f"  {m}" for m in misses)]


def served_path(stack: Stack, sender: str) -> Any:
    return stack.tracker(sender)["slots"].get("recovery_path")


def evaluate_conversations(stack: Stack, conversations: Iterable[dict[str, Any]]) -> list[str]:
    tally = Tally()
    for conversation in conversations:
        sender = uuid.uuid4().hex
        for turn in conversation["turns"]:
            stack.say(sender, turn)
        got = served_path(stack, sender)
        expected = conversation["recovery_path"]
        tally.add(got == expected, f"{conversation['name']}: {got}, expected {expected}")
    return [tally.line("conversations reaching path"), *(f"  miss: {m}" for m in tally.misses)]


def cross_validate(folds: int) -> list[str]:
    out = PROJECT_ROOT / "results" / "cross-validation"
    command = [
        sys.executable, "-m", "rasa_addons", "test", "nlu", "--nlu", "data", "--config", "config.yml",
        "--cross-validation", "--folds", str(folds), "--runs", "1", "--out", str(out),
    ]  # fmt: skip
    started = time.monotonic()
    quiet = subprocess.DEVNULL
    subprocess.run(command, cwd=PROJECT_ROOT, check=True, stdout=quiet, stderr=quiet)
    seconds = time.monotonic() - started
    report = json.loads((out / "intent_report.json").read_text(encoding="utf-8"))
    weighted = report["weighted avg"]
    worst = sorted(
        ((name, row["f1-score"]) for name, row in report.items() if isinstance(row, dict) and "support" in row
         and name not in ("weighted avg", "macro avg", "micro avg")),
        key=lambda item: item[1],
    )[:3]  # fmt: skip
    return [
        f"rasa test nlu, {folds}-fold cross-validation on data/ ({seconds:.0f}s):",
        f"  intent accuracy {report.get('accuracy', 0.0):.1%}, weighted F1 {weighted['f1-score']:.1%}, "
        f"precision {weighted['precision']:.1%}, recall {weighted['recall']:.1%}",
        "  weakest intents: " + ", ".join(f"{name} F1 {f1:.1%}" for name, f1 in worst),
    ]


def evaluation_stack(model: Path, var_dir: Path) -> Stack:
    return Stack(
        isolated_settings(var_dir), model=model, extra_env=ONE_ADDRESS_LOAD_ENV, log_dir=var_dir / "logs"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    parser.add_argument("--folds", type=int, default=3, help="cross-validation folds (0: skip)")
    parser.add_argument("--misses", action="store_true", help="list every miss")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="evaluate-") as tmp:
        stack = evaluation_stack(args.model, Path(tmp))
        print("Starting the bot (model and action server)...", flush=True)
        with stack.running():
            report = evaluate_messages(stack, load("messages.yml")["messages"])
            conversations = evaluate_conversations(stack, load("conversations.yml")["conversations"])
    summary, misses = report[: report.index("")], report[report.index("") :]
    print("\n".join(summary + conversations), flush=True)
    if args.misses:
        print("\n".join(misses), flush=True)
    if args.folds:
        print("\n".join(cross_validate(args.folds)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
