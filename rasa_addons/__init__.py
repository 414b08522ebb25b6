"""Rasa-side plug-ins of the recovery bot: NLU components, stores, channels, start-up.

Everything here adapts `bot/` to Rasa 3.6; no domain rule lives in this package.

skops is imported here, before the model loads, with the root logger's level kept: Rasa's
LogisticRegressionClassifier imports it when it loads, skops then lists every scikit-learn
estimator by importing all of scikit-learn's modules, and one of them (numpy.distutils, through
setuptools' distutils log) sets the root logger to WARNING, which silenced every INFO line
after the model had loaded (tests/operations checks the JSON log lines).
"""

import logging

_root_level = logging.getLogger().level
import skops.io  # noqa: E402, F401

logging.getLogger().setLevel(_root_level)
del _root_level
