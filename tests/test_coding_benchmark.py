"""`python -m benchmarks coding`: the kappa table for the deterministic coder."""

from benchmarks.__main__ import BENCHMARKS
from benchmarks.coding import report
from clients.prompts.skills import LABELS


def test_the_coding_benchmark_is_registered() -> None:
    assert "coding" in BENCHMARKS


def test_the_report_has_a_row_per_code_and_marks_the_gated_ones() -> None:
    lines = report()
    for label in LABELS.values():
        assert any(line.startswith(label) for line in lines), label
    gated = [line for line in lines if line.startswith(("Open question", "Simple reflection"))]
    assert gated and all(line.endswith(("PASS", "BELOW")) for line in gated)
    assert lines[-1].startswith("Overall")
