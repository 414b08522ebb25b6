"""The training data importer config.yml names: a feature is one folder under data/.

Rasa's own RasaFileImporter reads one domain path and every training file under data/. This
one also merges each feature's `data/<feature>/domain.yml` (its intents, slots, forms, actions
and the responses its rules name) into the root domain.yml (the session, the slot contract and
its entities), and keeps those domain files out of the training data (Rasa would otherwise read
their `responses` as NLU data). The texts a feature's actions send are its `replies.yml`
(rasa_addons/replies.py), which no importer reads. docs/adding-a-situation.md walks through it.
"""

from __future__ import annotations

from pathlib import Path

from rasa.shared.core.domain import Domain
from rasa.shared.importers.rasa import RasaFileImporter

from bot.settings import PROJECT_ROOT

FEATURE_DOMAIN = "domain.yml"


def feature_domains(data_dir: Path = PROJECT_ROOT / "data") -> list[Path]:
    """Every feature's domain file, in a stable order."""
    return sorted(data_dir.glob(f"*/{FEATURE_DOMAIN}"))


def project_domain(root: Path = PROJECT_ROOT) -> Domain:
    """The domain a model is trained with: domain.yml and every feature's domain merged."""
    return Domain.load([str(root / "domain.yml"), *map(str, feature_domains(root / "data"))])


class FeatureFolders(RasaFileImporter):
    """RasaFileImporter over domain.yml plus data/<feature>/domain.yml."""

    _nlu_files: list[str]  # set by RasaFileImporter, which has no type annotations
    _story_files: list[str]

    def __init__(
        self,
        config_file: str | None = None,
        domain_path: str | None = None,
        training_data_paths: str | list[str] | None = None,
    ) -> None:
        super().__init__(config_file, domain_path, training_data_paths)
        self._feature_domains = [
            path for path in self._nlu_files + self._story_files if Path(path).name == FEATURE_DOMAIN
        ]
        self._nlu_files = [path for path in self._nlu_files if path not in self._feature_domains]
        self._story_files = [path for path in self._story_files if path not in self._feature_domains]

    def get_domain(self) -> Domain:
        """The root domain merged with every feature's domain."""
        domain = super().get_domain()
        for path in sorted(set(self._feature_domains)):
            domain = domain.merge(Domain.load(path))
        return domain
