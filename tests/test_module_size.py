"""Short modules: a Python file of the project over 300 lines says why in its docstring."""

from __future__ import annotations

import ast

from bot.settings import PROJECT_ROOT

MAX_LINES = 300
REASON = "Over 300 lines:"  # the docstring's sentence that gives the reason
PACKAGES = ("bot", "actions", "rasa_addons", "tools")


def test_every_long_module_gives_its_reason() -> None:
    unexplained = []
    for package in PACKAGES:
        for path in sorted((PROJECT_ROOT / package).rglob("*.py")):
            source = path.read_text(encoding="utf-8")
            if source.count("\n") > MAX_LINES and REASON not in (ast.get_docstring(ast.parse(source)) or ""):
                unexplained.append(f"{path.relative_to(PROJECT_ROOT)} ({source.count(chr(10))} lines)")
    assert not unexplained, f"split these or add '{REASON} <why>' to their docstring: {unexplained}"
