"""`python -m tools.bench --ablation`: what each NLU pipeline component costs and earns.

Each variant is config.yml with one change, trained on all of data/ and parsed (in process,
after a warm-up) on the same held-out messages: the evaluation set of tools/evaluate.py.
Per variant: milliseconds per message, intent accuracy, and how often the slot values it
reads (account_type, lockout_state, is_admin, situation) match the held-out labels,
"none" included. The table is Markdown, for docs/understanding.md.
"""

from __future__ import annotations

import asyncio
import copy
import hashlib
import logging
import math
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bot.settings import PROJECT_ROOT

ABLATION_DIR = PROJECT_ROOT / "var" / "bench" / "ablation"
EVALUATION_SET = PROJECT_ROOT / "tests" / "evaluation" / "messages.yml"  # the held-out set
ROUNDS = 3
SIGNALS = ("account_type", "lockout_state", "is_admin", "situation")

Config = dict[str, Any]
INTENTS = "rasa_addons.nlu.intents.LogisticRegressionIntents"  # config.yml's intent classifier
COUNT_VECTORS = "rasa_addons.nlu.count_vectors.SentenceCountVectors"  # and its featurizers
# The intent classifier config.yml had until 3 December 2026, for the variants that bring it back.
DIET: Config = {
    "name": "DIETClassifier",
    "epochs": 60,
    "number_of_transformer_layers": 0,
    "entity_recognition": False,
    "constrain_similarities": True,
}


def _without(name: str, **match: Any) -> Callable[[Config], Config]:
    def change(config: Config) -> Config:
        config["pipeline"] = [
            c
            for c in config["pipeline"]
            if not (c["name"] == name and all(c.get(k) == v for k, v in match.items()))
        ]
        return config

    return change


def _with_rasa_count_vectors(config: Config) -> Config:
    """Rasa's own count vectors, with the sequence features DIET reads."""
    for component in config["pipeline"]:
        if component["name"] == COUNT_VECTORS:
            component["name"] = "CountVectorsFeaturizer"
    return config


def _diet(replacement: dict[str, Any]) -> Callable[[Config], Config]:
    """DIET (`replacement`) instead of the logistic regression, over Rasa's own count vectors."""

    def change(config: Config) -> Config:
        config["pipeline"] = [dict(replacement) if c["name"] == INTENTS else c for c in config["pipeline"]]
        return _with_rasa_count_vectors(config)

    return change


def _starter_extras(config: Config) -> Config:
    """The featurizers and epochs of Rasa's default pipeline, which the starter bot trains with."""
    pipeline = config["pipeline"]
    index = next(i for i, c in enumerate(pipeline) if c["name"] == COUNT_VECTORS)
    pipeline[index:index] = [{"name": "RegexFeaturizer"}, {"name": "LexicalSyntacticFeaturizer"}]
    return _diet({**DIET, "epochs": 100})(config)


def _with_spacy_entities(config: Config) -> Config:
    pipeline = config["pipeline"]
    index = next(i for i, c in enumerate(pipeline) if c["name"] == "SpacyTokenizer")
    pipeline.insert(index + 1, {"name": "SpacyEntityExtractor"})
    return config


def _slot_reader(**changes: Any) -> Callable[[Config], Config]:
    def change(config: Config) -> Config:
        for component in config["pipeline"]:
            if component["name"].endswith("SlotReader"):
                component.update(changes)
        return config

    return change


VARIANTS: list[tuple[str, Callable[[Config], Config]]] = [
    ("config.yml as is", lambda config: config),
    ("+ SpacyEntityExtractor (the old pipeline's)", _with_spacy_entities),
    ("SlotReader C=4 instead of 16", _slot_reader(regularisation_strength=4.0)),
    ("- word count vectors", _without(COUNT_VECTORS, analyzer=None)),
    ("- char_wb count vectors", _without(COUNT_VECTORS, analyzer="char_wb")),
    ("Rasa's CountVectorsFeaturizer (sequence features too)", _with_rasa_count_vectors),
    (
        "logistic regression -> DIET (60 epochs, no transformer: the pipeline until 3 Dec)",
        _diet(DIET),
    ),
    (
        "logistic regression -> DIET 30 epochs",
        _diet({**DIET, "epochs": 30}),
    ),
    ("+ Regex/LexicalSyntactic featurizers, DIET 100 epochs (the starter's NLU)", _starter_extras),
]


@dataclass(frozen=True)
class Example:
    text: str
    intent: str | None  # None: not labelled
    signals: dict[str, str]  # labelled slots only; "none" where the message does not say


@dataclass
class Outcome:
    variant: str
    ms_per_message: float
    p95_ms: float
    intent_accuracy: float | None
    signal_accuracy: float | None


def _value(value: Any) -> str:
    return "none" if value is None else str(value).lower()


def _split() -> tuple[Path, list[Example]]:
    """The training NLU files (all of data/, copied as they are) and the held-out examples.

    The files are copied, not merged and re-written: Rasa's writer would put one block's slot
    metadata on every example of the same intent (bot/understanding/training.py reads it per block).
    """
    train_dir = ABLATION_DIR / "train"
    shutil.rmtree(train_dir, ignore_errors=True)
    train_dir.mkdir(parents=True)
    for number, path in enumerate(sorted((PROJECT_ROOT / "data").rglob("nlu.yml"))):
        shutil.copy(path, train_dir / f"{number}-{path.parent.name}.yml")
    labelled = yaml.safe_load(EVALUATION_SET.read_text())["messages"]
    examples = [
        Example(m["text"], m.get("intent"), {k: _value(m[k]) for k in SIGNALS if k in m}) for m in labelled
    ]
    return train_dir, examples


def _train(name: str, config: Config, train_file: Path, retrain: bool) -> Path:
    text = yaml.safe_dump(config, sort_keys=False)
    code = [
        *sorted((PROJECT_ROOT / "bot" / "understanding").glob("*.*")),
        *(PROJECT_ROOT / "rasa_addons" / "nlu").glob("*.py"),
    ]
    data = "".join(f.read_text() for f in [*sorted(train_file.glob("*.yml")), *code])
    digest = hashlib.sha256((text + data).encode()).hexdigest()[:12]
    model = ABLATION_DIR / f"{name}-{digest}.tar.gz"
    if retrain or not model.exists():
        config_file = ABLATION_DIR / f"{name}.yml"
        config_file.write_text(text)
        print(f"==> training {name}", flush=True)
        started = time.monotonic()
        with open(ABLATION_DIR / f"{name}.log", "wb") as log:
            subprocess.run(
                [
                    sys.executable, "-m", "rasa_addons", "train", "nlu", "--config", str(config_file),
                    "--nlu", str(train_file), "--out", str(ABLATION_DIR / "training"),
                    "--fixed-model-name", model.name.removesuffix(".tar.gz"),
                ],
                cwd=PROJECT_ROOT, stdout=log, stderr=log, check=True,
            )  # fmt: skip
        (ABLATION_DIR / "training" / model.name).replace(model)  # only a finished model is cached
        _training_seconds(model).write_text(f"{time.monotonic() - started:.0f}")
    return model


def _training_seconds(model: Path) -> Path:
    return model.with_name(model.name.removesuffix(".tar.gz") + ".seconds")


async def _parse_interleaved(
    models: list[Path], texts: list[str], rounds: int
) -> tuple[list[list[dict[str, Any]]], list[list[float]]]:
    """Every model's parse of every text, and each parse's median time over `rounds`.

    All models are loaded at once and take turns message by message, so that the noise of
    a shared machine falls on every variant alike.
    """
    from rasa.core.agent import Agent
    from rasa.utils.log_utils import configure_structlog

    configure_structlog(logging.WARNING)  # Rasa's debug lines would be timed with each message
    agents = [Agent.load(str(model)) for model in models]
    for agent in agents:
        for text in texts[:10]:  # warm-up: the first calls build TensorFlow's functions
            await agent.parse_message(text)
    parsed: list[list[dict[str, Any]]] = [[] for _ in agents]
    times: list[list[list[float]]] = [[[] for _ in texts] for _ in agents]
    for round_ in range(rounds):
        for index, text in enumerate(texts):
            for number, agent in enumerate(agents):
                started = time.perf_counter()
                result = await agent.parse_message(text)
                times[number][index].append(time.perf_counter() - started)
                if round_ == 0:
                    parsed[number].append(result)
    return parsed, [[statistics.median(t) for t in per_text] for per_text in times]


def _outcome(
    variant: str, examples: list[Example], parsed: list[dict[str, Any]], seconds: list[float]
) -> Outcome:
    intents = [(e.intent, (p.get("intent") or {}).get("name")) for e, p in zip(examples, parsed, strict=True)]
    intents = [(want, got) for want, got in intents if want]
    signals = []
    for example, result in zip(examples, parsed, strict=True):
        found = {
            e["entity"]: _value(e["value"]) for e in result.get("entities", []) if e["entity"] in SIGNALS
        }
        signals += [found.get(slot, "none") == want for slot, want in example.signals.items()]
    ordered = sorted(seconds)
    return Outcome(
        variant,
        1000 * statistics.mean(seconds),
        1000 * ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)],
        sum(want == got for want, got in intents) / len(intents) if intents else None,
        sum(signals) / len(signals) if signals else None,
    )


def _share(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def run_ablation(retrain: bool = False, only: list[int] | None = None) -> int:
    """Trains (or reuses) and measures the variants; `only`: their indices in VARIANTS."""
    base: Config = yaml.safe_load((PROJECT_ROOT / "config.yml").read_text())
    train_file, examples = _split()
    chosen = [(index, VARIANTS[index]) for index in (only if only is not None else range(len(VARIANTS)))]
    models = [
        _train(f"variant{index}", change(copy.deepcopy(base)), train_file, retrain)
        for index, (_, change) in chosen
    ]
    variants = [variant for _, (variant, _) in chosen]
    print(f"==> parsing {len(examples)} messages {ROUNDS} times with each variant, taking turns", flush=True)
    parsed, seconds = asyncio.run(_parse_interleaved(models, [e.text for e in examples], ROUNDS))
    outcomes = [
        _outcome(variant, examples, parsed[number], seconds[number])
        for number, variant in enumerate(variants)
    ]
    rows = [
        "| variant | training s | ms / message (mean) | p95 | intent accuracy | slot values read right |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for o, model in zip(outcomes, models, strict=True):
        seconds = _training_seconds(model)
        trained = seconds.read_text() if seconds.exists() else "n/a"
        rows.append(
            f"| {o.variant} | {trained} | {o.ms_per_message:.1f} | {o.p95_ms:.1f} | "
            f"{_share(o.intent_accuracy)} | {_share(o.signal_accuracy)} |"
        )
    held_out = f"the evaluation set ({EVALUATION_SET.relative_to(PROJECT_ROOT)})"
    table = (
        "\n".join(rows)
        + f"\n\n{len(examples)} messages of {held_out}; time: the median of {ROUNDS} parses of each message,"
        " the variants taking turns, after a warm-up."
    )
    (ABLATION_DIR / "ablation.md").write_text(table + "\n")
    print()
    print(table)
    print(f"\nwritten to {ABLATION_DIR / 'ablation.md'}")
    return 0


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--retrain", action="store_true")
    parser.add_argument("--only", help="comma-separated variant numbers (0 is config.yml as is)")
    arguments = parser.parse_args()
    only = [int(n) for n in arguments.only.split(",")] if arguments.only else None
    sys.exit(run_ablation(arguments.retrain, only))
