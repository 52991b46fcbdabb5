"""benchmarks/bench_changelog.py at a smoke size: it builds its warehouse through the real
normaliser, and its change-log holds exactly the events its edits planned (none for the edits
that must give none), so the 100,000-study timing measures a correct change-log."""
from __future__ import annotations

import importlib.util
from pathlib import Path

BENCH = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_changelog.py"


def test_benchmark_smoke_run_gives_exactly_the_planned_events(capsys):
    spec = importlib.util.spec_from_file_location("bench_changelog", BENCH)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    result = bench.main(["--n", "400", "--chunk", "150"])  # several chunks, as at 100,000
    assert result["studies"] == 400   # every chunk in the day, not the last one alone
    assert result["events"] == result["expected_events"] > 12
    assert set(result["by_type"]) >= {"status_changed", "site_added", "site_removed", "site_status_changed",
                                      "eligibility_changed", "date_changed", "enrollment_changed", "phase_changed",
                                      "sponsor_changed", "title_changed", "arm_added", "intervention_added",
                                      "results_posted", "new_trial", "left_scope"}
    assert "| 400 |" in capsys.readouterr().out
