"""`make evaluate`: how well the running bot understands messages it was never trained on.

A benchmark, not a test: it prints figures and never fails on them. It starts the real bot
(tools/stack.py) on free ports and, for the held-out set (tests/evaluation/messages.yml) and
the shared development set (../shared/data/dev_messages.jsonl, when present):
- sends each message as the first of a new conversation over the REST channel and reads
  account_type, lockout_state and is_admin from the tracker, as the product owner does:
  recall of stated slots, wrong values, slots filled where the message says nothing, and
  the confusion of situations (held-out set only: the dev set has no situation labels);
- plays a simulated conversation from each message: a person who answers every question
  the bot asks in typed words, with a fixed truth where the message says nothing; the path
  is right when the served entry's conditions hold for that truth; turns are counted.
Then the written conversations of conversations.yml, and `rasa test nlu` cross-validation.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot.playbook import default_playbook
from bot.settings import PROJECT_ROOT
from tools.stack import DEFAULT_MODEL, ONE_ADDRESS_LOAD_ENV, Stack, isolated_settings

EVALUATION_DIR = PROJECT_ROOT / "tests" / "evaluation"
DEV_SET = (
    PROJECT_ROOT.parent / "shared" / "data" / "dev_messages.jsonl"
)  # labelled elsewhere; never trained on
SLOTS = ("account_type", "lockout_state", "is_admin")
TARGETS = {"account_type": 0.90, "lockout_state": 0.85, "is_admin": 0.85}
WRONG_TARGET, UNSTATED_TARGET = 0.01, 0.03
PATH_TARGET, TURNS_TARGET = 0.97, 2.0
MAX_TURNS = 6
# What the simulated person types when the bot asks (never a button payload).
TYPED_ANSWERS: dict[str, dict[Any, str]] = {
    "account_type": {"personal": "it's my own personal account", "work_school": "it's my work account"},
    "lockout_state": {
        "has_other_method": "yes, I can still get codes on my backup email",
        "locked_out": "no, nothing else works",
    },
    "is_admin": {True: "yes, I'm the only admin", False: "no, our IT team manages it"},
}
# The person's truth where the message does not say it: what a simulated user answers.
UNSTATED_TRUTH: dict[str, Any] = {
    "account_type": "personal",
    "lockout_state": "locked_out",
    "is_admin": False,
}


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

    def line(self, name: str, target: str = "") -> str:
        return f"  {name:<34} {self.rate:7.1%}  ({self.right}/{self.total}){target}"


def load(name: str) -> Any:
    return yaml.safe_load((EVALUATION_DIR / name).read_text(encoding="utf-8"))


def load_dev_set(path: Path = DEV_SET) -> list[dict[str, Any]]:
    """The shared development set, one JSON object per line (text, the three slots, a note)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def first_message_slots(stack: Stack, text: str) -> tuple[dict[str, Any], str]:
    """The tracker's slots after a new conversation's first message, as the product owner reads them."""
    sender = uuid.uuid4().hex
    stack.say(sender, text)
    return stack.tracker(sender)["slots"], sender


def evaluate_messages(stack: Stack, messages: Iterable[dict[str, Any]]) -> tuple[list[str], list[str]]:
    """Per-slot recall, wrong fills and unstated fills after the first message, plus situations."""
    stated = {slot: Tally() for slot in SLOTS}  # filled with the right value, of those stated
    unstated = {slot: Tally() for slot in SLOTS}  # left empty, of those not stated
    wrong = Tally()  # right or empty, of every stated slot
    situations: Counter[tuple[str | None, str | None]] = Counter()
    timings: list[float] = []
    labelled = [m for m in messages if "account_type" in m]
    for message in labelled:
        started = time.perf_counter()
        slots, _ = first_message_slots(stack, message["text"])
        timings.append(time.perf_counter() - started)
        text = message["text"]
        for slot in SLOTS:
            expected, got = message.get(slot), slots.get(slot)
            miss = f"{slot} = {got}, expected {expected}: {text!r}"
            if expected is None:
                unstated[slot].add(got is None, miss)
            else:
                stated[slot].add(got == expected, miss)
                wrong.add(got in (None, expected), miss)
        if "situation" in message:
            situations[(message.get("situation"), slots.get("situation"))] += 1
    all_unstated = Tally(sum(t.right for t in unstated.values()), sum(t.total for t in unstated.values()))
    lines = [
        f"  {len(labelled)} first messages, {statistics.median(timings) * 1000:.0f} ms median per message"
    ]
    for slot in SLOTS:
        lines.append(stated[slot].line(f"{slot} filled right (recall)", f"  target >= {TARGETS[slot]:.0%}"))
    lines.append(
        f"  {'wrong values':<34} {1 - wrong.rate:7.1%}  ({wrong.total - wrong.right}/{wrong.total}"
        f" stated slots)  target <= {WRONG_TARGET:.0%}"
    )
    filled = all_unstated.total - all_unstated.right
    lines.append(
        f"  {'filled where unsaid':<34} {1 - all_unstated.rate:7.1%}  ({filled}"
        f"/{all_unstated.total} unstated slots)  target <= {UNSTATED_TARGET:.0%}"
    )
    for slot in SLOTS:
        tally = unstated[slot]
        lines.append(f"    {slot:<32} {1 - tally.rate:7.1%}  ({tally.total - tally.right}/{tally.total})")
    if situations:
        lines += situation_confusion(situations)
    misses = [m for tally in (*stated.values(), *unstated.values()) for m in tally.misses]
    return lines, misses


def situation_confusion(counts: Counter[tuple[str | None, str | None]]) -> list[str]:
    """How often each expected situation was read, and what it was read as when not."""
    right = sum(n for (want, got), n in counts.items() if want == got)
    total = sum(counts.values())
    lines = [
        f"  {'situation read right':<34} {right / total:7.1%}  ({right}/{total})",
        "  situation confusion:",
    ]
    for want in sorted({w for w, _ in counts}, key=str):
        row = {got: n for (w, got), n in counts.items() if w == want}
        cells = ", ".join(f"{got}: {n}" for got, n in sorted(row.items(), key=lambda item: -item[1]))
        lines.append(f"    {want!s:<22} -> {cells}")
    return lines


def truth_of(message: dict[str, Any]) -> dict[str, Any]:
    """The simulated person: what the message says, and a fixed answer for the rest."""
    truth = {slot: message.get(slot) for slot in SLOTS}
    for slot, value in UNSTATED_TRUTH.items():
        if truth[slot] is None:
            truth[slot] = value
    if truth["account_type"] == "personal":
        truth["is_admin"] = False
    return truth


def fits(entry_id: str | None, truth: dict[str, Any]) -> bool:
    """Whether the served entry's conditions on the asked facts hold for the person."""
    entry = default_playbook().find(entry_id or "")
    return entry is not None and all(
        truth.get(name) in values for name, values in entry.when.items() if name in SLOTS
    )


def simulate(stack: Stack, message: dict[str, Any]) -> tuple[str | None, int, dict[str, Any]]:
    """Plays one conversation from `message`: answers every question typed, until a path is served."""
    truth = truth_of(message)
    sender = uuid.uuid4().hex
    stack.say(sender, message["text"])
    for turn in range(1, MAX_TURNS + 1):
        slots = stack.tracker(sender)["slots"]
        asked = slots.get("requested_slot")
        if slots.get("recovery_path") or asked not in TYPED_ANSWERS or turn == MAX_TURNS:
            return slots.get("recovery_path"), turn, truth
        stack.say(sender, TYPED_ANSWERS[asked][truth[asked]])
    raise AssertionError("unreachable")


def evaluate_simulations(stack: Stack, messages: Iterable[dict[str, Any]]) -> tuple[list[str], list[str]]:
    tally, turns = Tally(), []
    for message in (m for m in messages if "account_type" in m):
        served, used, truth = simulate(stack, message)
        turns.append(used)
        tally.add(fits(served, truth), f"{served} for {truth}: {message['text']!r}")
    mean = statistics.mean(turns) if turns else 0.0
    return [
        tally.line("simulated: right path", f"  target >= {PATH_TARGET:.0%}"),
        f"  {'simulated: mean turns':<34} {mean:7.2f}  target <= {TURNS_TARGET}"
        f"  ({', '.join(f'{n} turns: {count}' for n, count in sorted(Counter(turns).items()))})",
    ], tally.misses


def evaluate_conversations(stack: Stack, conversations: Iterable[dict[str, Any]]) -> list[str]:
    """The written multi-turn conversations of conversations.yml: the recovery_path at the end."""
    tally = Tally()
    for conversation in conversations:
        sender = uuid.uuid4().hex
        for turn in conversation["turns"]:
            stack.say(sender, turn)
        got = stack.tracker(sender)["slots"].get("recovery_path")
        expected = conversation["recovery_path"]
        tally.add(got == expected, f"{conversation['name']}: {got}, expected {expected}")
    return [tally.line("written conversations: exact path"), *(f"    miss: {m}" for m in tally.misses)]


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


def report_set(stack: Stack, name: str, messages: list[dict[str, Any]], show_misses: bool) -> list[str]:
    first, first_misses = evaluate_messages(stack, messages)
    simulated, simulated_misses = evaluate_simulations(stack, messages)
    lines = [f"{name}:", *first, *simulated]
    if show_misses:
        lines += ["  misses:", *(f"    {m}" for m in first_misses + simulated_misses)]
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    parser.add_argument("--folds", type=int, default=3, help="cross-validation folds (0: skip)")
    parser.add_argument("--misses", action="store_true", help="list every miss")
    parser.add_argument(
        "--dev-set", type=Path, default=DEV_SET, help="the shared development set, if present"
    )
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="evaluate-") as tmp:
        stack = evaluation_stack(args.model, Path(tmp))
        print("Starting the bot (model and action server)...", flush=True)
        with stack.running():
            own = load("messages.yml")["messages"]
            print(
                "\n".join(report_set(stack, "Held-out set (tests/evaluation)", own, args.misses)), flush=True
            )
            print(
                "\n".join(evaluate_conversations(stack, load("conversations.yml")["conversations"])),
                flush=True,
            )
            if args.dev_set.exists():
                dev = load_dev_set(args.dev_set)
                print(
                    "\n".join(report_set(stack, f"Dev set ({args.dev_set.name})", dev, args.misses)),
                    flush=True,
                )
    if args.folds:
        print("\n".join(cross_validate(args.folds)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
