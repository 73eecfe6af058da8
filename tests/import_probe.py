"""Run the project's import contracts on its import graph plus one made-up import per case.

A case is [contract id or null for all, importer, imported].

tests/test_layers.py runs this in its own process: under pytest, twisted has marked `abc.ABC` with
zope's `__provides__`, which import-linter's option check cannot read. Prints, as JSON, one string
per case: lint-imports' report when a contract broke, or "" when all were kept.
"""

import contextlib
import copy
import io
import json
import sys
from pathlib import Path

from grimp import ImportGraph
from importlinter import configuration
from importlinter.adapters.building import GraphBuilder
from importlinter.application import use_cases
from importlinter.application.app_config import settings

PYPROJECT = Path(__file__).resolve().parent.parent / "pyproject.toml"


class GraphWithImport(GraphBuilder):
    """The real graph, plus `importer` importing `imported` (neither need exist on disk)."""

    def __init__(self, importer: str | None, imported: str | None) -> None:
        self.importer = importer
        self.imported = imported

    # Built once per process: every case starts from a copy.
    _real: ImportGraph | None = None

    def build(self, *args, **kwargs) -> ImportGraph:
        if GraphWithImport._real is None:
            GraphWithImport._real = super().build(*args, **kwargs)
        graph = copy.deepcopy(GraphWithImport._real)
        if self.importer and self.imported:
            graph.add_import(
                importer=self.importer,
                imported=self.imported,
                line_number=1,
                line_contents=f"import {self.imported}",
            )
        return graph


def lint(contract: str | None, importer: str | None, imported: str | None) -> str:
    configuration.configure()
    settings.configure(GRAPH_BUILDER=GraphWithImport(importer, imported))
    output = io.StringIO()
    with contextlib.redirect_stdout(output):
        kept = use_cases.lint_imports(
            str(PYPROJECT), limit_to_contracts=(contract,) if contract else (), no_logo=True
        )
    return "" if kept else output.getvalue()


def main() -> None:
    cases = json.loads(sys.argv[1])
    print(json.dumps([lint(*case) for case in cases]))


if __name__ == "__main__":
    main()
