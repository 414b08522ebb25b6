"""A feature is one folder: its domain file under data/<feature>/ joins the root domain.yml
in what Rasa trains on, and is never read as training data."""

from __future__ import annotations

from pathlib import Path

import yaml
from rasa.shared.importers.importer import TrainingDataImporter

from bot.replies import load_replies
from bot.settings import PROJECT_ROOT
from rasa_addons.importer import feature_domains, project_domain


def importer() -> TrainingDataImporter:
    return TrainingDataImporter.load_from_config(
        str(PROJECT_ROOT / "config.yml"), str(PROJECT_ROOT / "domain.yml"), [str(PROJECT_ROOT / "data")]
    )


def test_what_rasa_trains_on_holds_every_features_domain() -> None:
    domain = importer().get_domain()
    assert {path.parent.name for path in feature_domains()} >= {"basics", "recovery", "tickets", "handoff"}
    assert {"greet", "report_problem", "request_human", "handoff_live", "affirm"} <= set(domain.intents)
    assert {"recovery_form", "ticket_form", "ticket_status_form"} <= set(domain.form_names)
    assert {"account_type", "lockout_state", "is_admin", "situation", "contact_email"} <= {
        slot.name for slot in domain.slots
    }
    assert domain.as_dict() == project_domain().as_dict()


def test_a_feature_domain_is_not_training_data() -> None:
    data = importer().get_nlu_data()
    assert not set(data.responses)  # a domain file's responses would show up here
    assert data.intent_examples  # the features' nlu.yml files still are


def test_a_rule_names_only_domain_responses_and_an_action_only_replies() -> None:
    domain, replies = project_domain(), load_replies()
    assert not set(domain.responses) & set(replies)
    named = {
        step["action"]
        for path in Path(PROJECT_ROOT / "data").glob("*/rules.yml")
        for step in _steps(path)
        if str(step.get("action", "")).startswith("utter_")
    }
    assert named <= set(domain.responses)


def _steps(path: Path) -> list[dict[str, object]]:
    rules = yaml.safe_load(path.read_text(encoding="utf-8")).get("rules", [])
    return [step for rule in rules for step in rule.get("steps", []) + rule.get("condition", [])]
