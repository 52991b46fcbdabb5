"""The child process of bench_pipeline.py that measures baselines: parsing each day file alone.

orjson.loads of every line of studies.jsonl, and DuckDB scans of the same file
(read_ndjson_objects, and read_json with its detected schema).
"""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

from process_sampling import status_kb
from synth_replay import DAYS


def child_baselines(args: argparse.Namespace) -> None:
    import duckdb
    import orjson

    out: dict[str, Any] = {}
    for day in DAYS:
        path = Path(args.workdir) / "replay" / day / "studies.jsonl"
        res: dict[str, Any] = {"bytes": path.stat().st_size}
        studies, parse_s = 0, 0.0
        started = time.perf_counter()
        with path.open("rb") as fh:
            while lines := fh.readlines(64 << 20):
                t = time.perf_counter()
                for line in lines:
                    orjson.loads(line)
                parse_s += time.perf_counter() - t
                studies += len(lines)
        res["studies"] = studies
        res["orjson_parse_s"] = round(parse_s, 2)
        res["orjson_read_and_parse_s"] = round(time.perf_counter() - started, 2)
        con = duckdb.connect()
        con.execute("SET threads = 2")
        con.execute("SET memory_limit = '1GB'")
        quoted = str(path).replace("'", "''")
        for name, sql in (("duckdb_read_ndjson_objects_s", f"SELECT count(*) FROM read_ndjson_objects('{quoted}')"),
                          ("duckdb_read_json_s", f"SELECT count(*) FROM read_json('{quoted}', format='newline_delimited')")):
            t = time.perf_counter()
            try:
                count = con.execute(sql).fetchone()[0]
                res[name] = round(time.perf_counter() - t, 2)
                assert count == studies, (name, count, studies)
            except duckdb.Error as exc:
                res[name] = None
                res[name + "_error"] = str(exc)[:300]
        con.close()
        out[day] = res
    out["peak_rss_mb"] = round(status_kb("VmHWM") / 1024)
    Path(args.results).write_text(json.dumps(out, indent=1))
