"""A change of the NET rules (RULES_VERSION) through real Dagster runs: the next day's
materialisation enriches every stored version again, the facts change, and the change-log
reports `reclassified` events, not new trials or scope changes."""
from __future__ import annotations

import pytest

import netpipeline.normalise.enrichment_tables as enrichment_tables
import netpipeline.normalise.reenrich as reenrich
from netpipeline.normalise.enrich import RULES_VERSION
from netpipeline_tests.conftest import DEMO_REPLAY
from netpipeline_tests.pipeline_harness import pipeline

pytestmark = pytest.mark.slow

D1, D2 = "2026-11-18", "2026-11-19"
BUMPED = "net-terms test-bump; drugs test-bump"


def test_a_rules_version_bump_reenriches_stored_versions_and_reports_reclassifications(tmp_path, monkeypatch):
    with pipeline(tmp_path, DEMO_REPLAY, monkeypatch) as h:
        assert h.run_day(D1).success
        assert h.query("SELECT DISTINCT vocabulary_version FROM trials_versions.net_profile") == [(RULES_VERSION,)]
        # the materialisation carries the rules version as the asset's code version (the UI compares them)
        assert code_versions(h, D1) == [RULES_VERSION]
        assert h.run_day(D2, assets=["raw/ctgov_studies"]).success
        # two NET trials whose record did not change from D1 to D2: only the rules will move them
        unchanged = [nct for (nct,) in h.query("""
            SELECT a.nct_id FROM raw.study_days a JOIN raw.study_days b USING (nct_id, content_hash)
            JOIN trials_versions.net_profile p USING (content_hash)
            WHERE a.snapshot_date = ? AND b.snapshot_date = ? AND p.is_net AND len(p.net_subtypes) > 0
            ORDER BY 1 LIMIT 2""", [D1, D2])]
        gains_subtype, loses_net = unchanged

        # The new rules: one trial gains a subtype, one is no longer NET.
        original = enrichment_tables.net_profile

        def new_rules(study):
            profile = original(study)
            if study["nct_id"] == gains_subtype:
                profile["net_subtypes"] = [*profile["net_subtypes"], {"subtype": "medullary_thyroid", "evidence": "test"}]
            elif study["nct_id"] == loses_net:
                profile.update(is_net=False, net_reason="not NET: test rules", net_subtypes=[])
            return profile

        monkeypatch.setattr(enrichment_tables, "net_profile", new_rules)
        monkeypatch.setattr(enrichment_tables, "RULES_VERSION", BUMPED)
        monkeypatch.setattr(reenrich, "RULES_VERSION", BUMPED)
        outcome = h.run_day(D2)
        assert outcome.success, outcome.error

        # every stored version now carries the new rules version, D1's too
        assert h.query("SELECT DISTINCT vocabulary_version FROM trials_versions.net_profile") == [(BUMPED,)]
        assert h.query("SELECT DISTINCT taxonomy_version FROM trials_versions.intervention_classes") != []
        facts = dict(h.query("SELECT nct_id, is_net FROM trials.net_profile WHERE snapshot_date = ? "
                             "AND nct_id IN (?, ?)", [D1, gains_subtype, loses_net]))
        assert facts == {gains_subtype: True, loses_net: False}
        assert h.query("SELECT list_contains(net_subtypes, 'medullary_thyroid') FROM trials.net_profile "
                       "WHERE snapshot_date = ? AND nct_id = ?", [D1, gains_subtype]) == [(True,)]

        events = h.query("SELECT nct_id, event_type, old_value, new_value, significance FROM changes.events "
                         "WHERE snapshot_date = ? AND nct_id IN (?, ?) ORDER BY nct_id", [D2, gains_subtype, loses_net])
        assert {(nct, kind) for nct, kind, *_ in events} == {(gains_subtype, "reclassified"), (loses_net, "reclassified")}
        by_nct = {nct: (old, new, sig) for nct, _, old, new, sig in events}
        assert by_nct[loses_net][1] == "not NET" and by_nct[loses_net][0].startswith("NET (")
        assert "medullary_thyroid" in by_nct[gains_subtype][1] and "medullary_thyroid" not in by_nct[gains_subtype][0]
        assert {sig for *_, sig in by_nct.values()} == {"medium"}
        # no reclassified study shows up as a new trial or as leaving the scope
        assert h.query("SELECT count(*) FROM changes.events WHERE snapshot_date = ? AND nct_id IN (?, ?) "
                       "AND event_type IN ('new_trial', 'entered_scope', 'left_scope')",
                       [D2, gains_subtype, loses_net]) == [(0,)]
        reenriched = h.query("SELECT count(*) FROM trials_versions.net_profile")[0][0]
        metadata = {e.asset_key.to_user_string(): e.metadata for e in outcome_materialisations(h, outcome)}
        assert metadata["trials/trial_tables"]["versions_reenriched"].value == reenriched - new_versions(h)


def new_versions(h) -> int:
    """Versions first shredded on D2 (enriched with the new rules straight away)."""
    return h.query("SELECT versions_shredded FROM trials_versions.normalised_days WHERE snapshot_date = ?", [D2])[0][0]


def outcome_materialisations(h, outcome):
    import dagster as dg

    records = h.instance.fetch_materializations(
        dg.AssetRecordsFilter(asset_key=dg.AssetKey(["trials", "trial_tables"]), asset_partitions=[D2]), limit=5).records
    return [r.asset_materialization for r in records if r.run_id == outcome.run_id]


def code_versions(h, day: str) -> list[str | None]:
    import dagster as dg

    records = h.instance.fetch_materializations(
        dg.AssetRecordsFilter(asset_key=dg.AssetKey(["trials", "trial_tables"]), asset_partitions=[day]), limit=5).records
    return [r.asset_materialization.tags.get("dagster/code_version") for r in records]
