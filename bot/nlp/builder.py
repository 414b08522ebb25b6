"""Builds the project's spaCy pipeline from `patterns.yml`.

Official pretrained spaCy models cannot be installed here, so the pipeline is
`spacy.blank("en")` plus an entity ruler. Rasa's `SpacyNLP` loads the folder written
by `build_pipeline` (see config.yml); `python -m bot build-nlp` runs it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import spacy
import yaml
from spacy.language import Language

PATTERNS_FILE = Path(__file__).with_name("patterns.yml")
PIPELINE_NAME = "en_recovery"


def load_patterns(path: Path = PATTERNS_FILE) -> list[dict[str, Any]]:
    """Returns entity-ruler patterns: phrase patterns first, then token patterns."""
    spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    patterns: list[dict[str, Any]] = []
    for label, phrases in spec.get("phrases", {}).items():
        patterns.extend({"label": label, "pattern": phrase} for phrase in phrases)
    for label, token_patterns in spec.get("tokens", {}).items():
        patterns.extend({"label": label, "pattern": tokens} for tokens in token_patterns)
    return patterns


def create_pipeline(patterns: list[dict[str, Any]] | None = None) -> Language:
    """Returns blank English with an entity ruler matching `patterns` case-insensitively."""
    nlp = spacy.blank("en")
    ruler = nlp.add_pipe("entity_ruler", config={"phrase_matcher_attr": "LOWER"})
    ruler.add_patterns(load_patterns() if patterns is None else patterns)  # type: ignore[attr-defined]
    nlp.meta["name"] = PIPELINE_NAME.removeprefix("en_")
    nlp.meta["description"] = "Blank English with the recovery bot's entity ruler."
    return nlp


def build_pipeline(output_dir: Path) -> Path:
    """Writes the pipeline to `output_dir` and returns it."""
    output_dir.mkdir(parents=True, exist_ok=True)
    create_pipeline().to_disk(output_dir)
    return output_dir
