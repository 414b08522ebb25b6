"""Rasa's prediction graph run node after node, in an order worked out once per set of targets.

Rasa runs the model's graph (the NLU pipeline for each message, the policies before each
action) through dask's synchronous scheduler: on every run it cuts the graph down to what the
targets need, builds a dask graph and has dask order and execute it. For a graph of about a
dozen nodes run three to four times per message that was 2.5 ms per message of the 11.4 ms the
runs took (py-spy, docs/benchmarks.md). The nodes, their inputs and their results are the same;
only the cutting and ordering are remembered instead of redone. Installed as a patch of
`DaskGraphRunner.run` (rasa_addons/patches.py), so the trained model and its loading stay Rasa's.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rasa.engine.exceptions import GraphRunError
from rasa.engine.graph import GraphSchema
from rasa.engine.runner.dask import DaskGraphRunner

Plan = list[tuple[str, tuple[str, ...]]]
"""The nodes to run, in order, each with the names of the values it is given."""


def plan_for(schema: GraphSchema, targets: tuple[str, ...]) -> Plan:
    """Every node `targets` need, each after the nodes it needs (a depth-first order)."""
    needed = schema.minimal_graph_schema(list(targets)).nodes
    ordered: Plan = []
    placed: set[str] = set()

    def place(name: str) -> None:
        if name in placed or name not in needed:
            return  # placed already, or an input of the run
        placed.add(name)
        needs = tuple(needed[name].needs.values())
        for dependency in needs:
            place(dependency)
        ordered.append((name, needs))

    for target in targets:
        place(target)
    return ordered


def sequential_run(_: Callable[..., Any]) -> Callable[..., dict[str, Any]]:
    """`DaskGraphRunner.run` without dask: the same nodes called in a remembered order."""

    def run(
        self: DaskGraphRunner, inputs: dict[str, Any] | None = None, targets: list[str] | None = None
    ) -> dict[str, Any]:
        schema = self._graph_schema
        wanted = tuple(targets if targets else schema.target_names)
        plans: dict[tuple[str, ...], Plan] = self.__dict__.setdefault("_sequential_plans", {})
        plan = plans.get(wanted)
        if plan is None:
            plan = plans[wanted] = plan_for(schema, wanted)
        values: dict[str, tuple[str, Any]] = {}
        for name, value in (inputs or {}).items():
            if name in schema.nodes:
                raise GraphRunError(f"Input '{name}' clashes with a node name of the graph schema.")
            values[name] = (name, value)  # how dask hands an input to the nodes that need it
        for name, needs in plan:
            missing = [need for need in needs if need not in values]
            if missing:
                raise GraphRunError(f"No value for {missing} in this run of the graph.")
            try:
                values[name] = self._instantiated_nodes[name](*(values[need] for need in needs))
            except RuntimeError as error:  # as DaskGraphRunner.run reports it
                raise GraphRunError("Error running runner.") from error
        return dict(values[target] for target in wanted)

    return run
