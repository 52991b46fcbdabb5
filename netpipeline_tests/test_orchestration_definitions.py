"""The code location's shape: every asset spec and check, snapshotted; the jobs.

(Its load time without Great Expectations is tested in test_quality_definitions.py.)

A change to an asset's key, dependencies, group, partitions, kinds, checks or code version changes what the
UI, the sensors and downstream tools see; the snapshot makes that change visible in review.
Regenerate after an intended change with NETPIPELINE_UPDATE_SNAPSHOTS=1.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

import dagster as dg

from netpipeline.definitions import defs

SNAPSHOT = Path(__file__).parent / "snapshots" / "asset_specs.json"


def asset_spec_snapshot() -> dict:
    graph = defs.resolve_asset_graph()
    specs = {}
    for spec in sorted(defs.resolve_all_asset_specs(), key=lambda s: s.key.to_user_string()):
        node = graph.get(spec.key)
        specs[spec.key.to_user_string()] = {
            "group": spec.group_name,
            "deps": sorted(d.asset_key.to_user_string() for d in spec.deps),
            "partitions": type(spec.partitions_def).__name__ if spec.partitions_def else None,
            "kinds": sorted(spec.kinds),
            "pool": defs.resolve_assets_def(spec.key).op.pool,
            "checks": sorted(
                f"{k.name} ({'blocking' if graph.get(k).blocking else 'warning'})" for k in node.check_keys
            ),
            "has_description": bool(spec.description),
            "code_version": spec.code_version,
        }
    return specs


def test_every_asset_spec_matches_the_snapshot():
    current = asset_spec_snapshot()
    if os.environ.get("NETPIPELINE_UPDATE_SNAPSHOTS") == "1" or not SNAPSHOT.exists():
        SNAPSHOT.write_text(json.dumps(current, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    assert current == json.loads(SNAPSHOT.read_text(encoding="utf-8"))


def test_the_pipeline_reads_as_its_stages():
    keys = [s.key.to_user_string() for s in defs.resolve_all_asset_specs()]
    assert sorted(keys) == ["changes/events", "digest/emails", "published/warehouse", "raw/ctgov_studies",
                            "trials/trial_tables"]
    assert defs.resolve_job_def("daily_job").executor_def.name == "in_process"
    # Readers get a new copy after the change-log and again after the digest (its deliveries).
    for job in ("daily_job", "digest_job"):
        assert dg.AssetKey(["published", "warehouse"]) in defs.resolve_job_def(job).asset_layer.executable_asset_keys


def test_the_daily_job_leaves_the_freshness_check_to_its_sensor():
    # raw_freshness is about the newest stored date, not a run's partition (see freshness.py).
    checks = {k.name for k in defs.resolve_job_def("daily_job").asset_layer.asset_graph.asset_check_keys}
    assert "raw_day_complete" in checks and "raw_freshness" not in checks


def test_the_trial_tables_code_version_is_the_rules_version():
    # Re-enrichment after a rules change shows in the UI as a code-version change of the asset.
    from netpipeline.normalise.enrich.vocabulary import RULES_VERSION

    spec = next(s for s in defs.resolve_all_asset_specs() if s.key.to_user_string() == "trials/trial_tables")
    assert spec.code_version and RULES_VERSION in spec.code_version
