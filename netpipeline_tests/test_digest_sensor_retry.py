"""The digest sensor never loses a day's digest to a busy warehouse: a tick that cannot read the
gate keeps its cursor, and a digest run that failed (here: another process held the warehouse
past NETPIPELINE_WAREHOUSE_LOCK_WAIT_S) is requested again on the next tick, at most
DIGEST_MAX_ATTEMPTS runs per change-log. Real Dagster runs, DuckDB file, reader process."""
from __future__ import annotations

import pytest

from netpipeline.orchestration.local_runs import run_request, tick_sensor
from netpipeline.orchestration.sensors import DIGEST_MAX_ATTEMPTS
from netpipeline_tests.conftest import DEMO_DAYS, DEMO_REPLAY
from netpipeline_tests.pipeline_harness import pipeline
from netpipeline_tests.warehouse_holder import Holder

pytestmark = pytest.mark.slow
DAY1, DAY2 = DEMO_DAYS[:2]


def test_a_held_warehouse_delays_a_digest_but_never_loses_it(tmp_path, monkeypatch):
    with pipeline(tmp_path, DEMO_REPLAY, monkeypatch, env={"NETPIPELINE_WAREHOUSE_LOCK_WAIT_S": "1"}) as h:
        def tick(cursor, execute=True):
            return tick_sensor(h.defs, h.instance, "digest_sensor", cursor, execute=execute)

        def run_held(request):
            with Holder(h.warehouse) as reader:
                outcome = run_request(h.defs, h.instance, "digest_sensor", request)
            assert not outcome.success and f"(PID {reader.pid})" in outcome.error, outcome.error
            return outcome

        assert h.run_day(DAY1).success
        # A tick while another process holds the warehouse: nothing requested, the cursor kept.
        with Holder(h.warehouse):
            busy = tick(None)
        assert busy.skip.startswith("warehouse busy") and busy.run_keys == [] and busy.cursor is None

        # The next tick requests the day; its run meets the warehouse held and fails after the wait.
        first = tick(busy.cursor, execute=False)
        [request] = first.requests
        assert request.partition_key == DAY1 and first.cursor is not None
        run_held(request)
        # The cursor has moved past the change-log, yet the next tick asks again, and it is sent.
        retry = tick(first.cursor)
        assert retry.run_keys == [f"{request.run_key}-attempt2"]
        assert [r.success for r in retry.runs] == [True], [r.error for r in retry.runs]
        ledger = h.query("SELECT subscriber_id, status FROM digest.deliveries WHERE snapshot_date = ?", [DAY1])
        assert ledger and all(status != "failed" for _, status in ledger)
        sent = h.query("SELECT count(*) FROM digest.deliveries WHERE snapshot_date = ? AND status = 'sent'", [DAY1])[0][0]
        assert len(list((h.outbox / DAY1).glob("*.eml"))) == sent
        after = tick(retry.cursor)
        assert after.run_keys == [] and after.skip == "no new change-log materialisation"

        # A day whose digest fails every time: DIGEST_MAX_ATTEMPTS runs, then the sensor says so.
        assert h.run_day(DAY2).success
        cursor, keys = after.cursor, []
        for _ in range(DIGEST_MAX_ATTEMPTS):
            t = tick(cursor, execute=False)
            cursor, keys = t.cursor, keys + t.run_keys
            run_held(*t.requests)
        assert len(keys) == DIGEST_MAX_ATTEMPTS and keys[1:] == [f"{keys[0]}-attempt{n}" for n in range(2, DIGEST_MAX_ATTEMPTS + 1)]
        gave_up = tick(cursor)
        assert gave_up.run_keys == [] and f"{DAY2}: digest gave up after {DIGEST_MAX_ATTEMPTS} failed run(s)" in gave_up.skip
        assert not h.query("SELECT 1 FROM digest.deliveries WHERE snapshot_date = ?", [DAY2])
