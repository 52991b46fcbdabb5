"""The page parser's fast path (one study per line, orjson) against its reference path (raw_decode)."""
from __future__ import annotations

import gc
import re

import orjson
import pytest

from netpipeline.ingest.page_parser import (MalformedPageError, _parse_fast, _parse_reference, gc_paused,
                                            parse_studies_page)
from netpipeline.replay.responses import Page as _Page, encode_page
from netpipeline_tests.factories import make_study, nct


def as_tuple(page):
    """Everything the raw layer takes from a page: per study the NCT ID, exact bytes, content hash,
    versionHolder and lastUpdatePostDate (ServedStudy equality), then totalCount and the token."""
    return (list(page.studies), page.total_count, page.next_page_token)


def both(body: bytes):
    """(fast result or None, reference result or the reference's error message)."""
    fast = _parse_fast(body)
    try:
        reference = as_tuple(_parse_reference(body))
    except MalformedPageError as exc:
        reference = f"error: {exc}"
    return (as_tuple(fast) if fast is not None else None), reference


def test_replay_pages_of_every_real_record_take_the_fast_path_with_identical_results(shared_ctgov):
    lines = [f.read_bytes().strip() for f in sorted((shared_ctgov / "studies").glob("NCT*.json"))]
    for start in range(0, len(lines), 200):
        chunk = lines[start:start + 200]
        token = "tok" if start + 200 < len(lines) else None
        body = encode_page(_Page(chunk, len(lines) if start == 0 else None, token))
        fast, reference = both(body)
        assert fast is not None, f"fast path refused the page at {start}"
        assert fast == reference
        assert [s.raw for s in fast[0]] == chunk  # the bytes exactly as in the snapshot


def test_pretty_printed_real_pages_fall_back_to_the_reference_path(shared_ctgov):
    for path in sorted((shared_ctgov / "pages").glob("*.json")):
        body = path.read_bytes()
        fast, reference = both(body)
        assert fast is None
        assert as_tuple(parse_studies_page(body)) == reference
        assert reference[0] and all(s.raw.startswith(b"{") for s in reference[0])


def study_line(i: int) -> bytes:
    return orjson.dumps(make_study(nct(i)))


@pytest.mark.parametrize("body", [
    # other layouts the API could use: each must still parse, through the reference path
    b'{"totalCount":2,"studies":[' + study_line(1) + b"," + study_line(2) + b"]}",
    b'{"studies": [\r\n' + study_line(1) + b" ,\r\n  " + study_line(2) + b'\r\n ], "totalCount": 2}\r\n',
    b'{"studies":[\n' + study_line(1) + b",\n" + study_line(2) + b'],"nextPageToken":"x"}',
    b'{"x":{"studies":[]},"studies":[\n' + study_line(1) + b"\n]}",
    b'{"studies":[\n' + study_line(1) + b'\n],"studies":[\n' + study_line(2) + b"\n]}",
    b'{"studies":[\n' + study_line(1)[:-1] + b',"n":-Infinity}\n]}',   # json accepts it, orjson does not
    b'{"studies":[\n' + study_line(1) + b",\n]}",                         # the reference path tolerates it
    b'{"studies":[]}',
    b'{"totalCount":0,"studies":[\n]}',
])
def test_fast_and_reference_paths_agree(body):
    fast, reference = both(body)
    assert not isinstance(reference, str), reference
    if fast is not None:
        assert fast == reference
    assert as_tuple(parse_studies_page(body)) == reference


@pytest.mark.parametrize("body, message", [
    (b'{"studies":[\n' + study_line(1) + b",\n" + study_line(2)[:100], "truncated"),    # cut mid-study
    (b'{"totalCount":1,"studies":[\n' + study_line(1) + b"\n]", "truncated"),         # cut after the array
    (b'{"studies":[\n' + study_line(1) + b"\n]} {}", "trailing data"),
    (b'{"studies":[\n{"protocolSection":{}}\n]}', "studies[0] has no protocolSection"),
    (b'{"studies":[\n' + study_line(1) + b",\n[1]\n]}", "studies[1] is not an object"),
    (b'{"totalCount":-1,"studies":[\n' + study_line(1) + b"\n]}", "totalCount"),
    (b'{"studies":[\n' + study_line(1) + b'\n],"nextPageToken":7}', "nextPageToken"),
    (b'{"studies":[\n' + study_line(1).replace(b"Test Org", b"Test \xff Org") + b"\n]}", "UTF-8"),
    (b"[]", "not a JSON object"),
])
def test_malformed_pages_are_refused_as_before(body, message):
    assert _parse_fast(body) is None
    with pytest.raises(MalformedPageError, match=re.escape(message)):
        parse_studies_page(body)


def test_integers_beyond_64_bits_are_never_read_as_floats():
    # orjson would read it as 1.2345678901234568e+29; json keeps the int, which the content hash
    # (orjson.dumps) cannot serialise: the pull fails loudly, on both paths, as it always did.
    body = b'{"studies":[\n' + study_line(1)[:-1] + b',"n":123456789012345678901234567890}\n]}'
    for parse in (_parse_fast, _parse_reference, parse_studies_page):
        with pytest.raises(TypeError, match="64-bit"):
            parse(body)
    assert orjson.loads(b"123456789012345678901234567890") == 1.2345678901234568e+29


def test_served_study_carries_what_the_raw_layer_needs_and_reparses_its_record(shared_ctgov):
    from netpipeline.ingest.content_hash import content_hash

    path = sorted((shared_ctgov / "studies").glob("NCT*.json"))[0]
    raw = path.read_bytes().strip()
    study = parse_studies_page(b'{"studies":[\n' + raw + b"\n]}").studies[0]
    record = orjson.loads(raw)
    assert study.raw == raw and study.record == record
    assert study.content_hash == content_hash(record)
    assert study.version_holder == record["derivedSection"]["miscInfoModule"]["versionHolder"]
    assert study.last_update_post_date == record["protocolSection"]["statusModule"]["lastUpdatePostDateStruct"]["date"]


def test_gc_pause_is_reentrant_and_restores_the_collector():
    assert gc.isenabled()
    with gc_paused():
        with gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    try:
        with gc_paused():
            pass
        assert not gc.isenabled()  # a collector the caller turned off stays off
    finally:
        gc.enable()
