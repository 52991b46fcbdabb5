"""`query.cond` on the replay searches what the real ConditionSearch area does, as far as a
snapshot shows it: conditions, keywords, MeSH terms and ancestors, and the titles."""
from __future__ import annotations

import httpx
import pytest

from netpipeline.replay import ReplayServer
from netpipeline.replay.essie import EssieSyntaxError, parse_essie
from netpipeline_tests.factories import write_day_lines
from netpipeline_tests.replay_samples import DAY2, compact, searchable_study

STUDIES = [
    searchable_study("NCT00000001", "Octreotide in Patients With Carcinoid Syndrome Diarrhoea", conditions=["Diarrhea"]),
    searchable_study("NCT00000002", "Quality of Life Questionnaire", conditions=["Quality of Life"],
                     keywords=["carcinoid"]),
    searchable_study("NCT00000003", "Skin Study", conditions=["Melanoma"], ancestors=["Neuroendocrine Tumors"]),
    searchable_study("NCT00000004", "Hypertension Registry", conditions=["Hypertension"],
                     summary="Excludes carcinoid and neuroendocrine tumours."),  # summary is not in the area
]


@pytest.fixture
def server(tmp_path):
    write_day_lines(tmp_path, DAY2, [compact(s) for s in STUDIES])
    with ReplayServer(tmp_path) as srv:
        yield srv


def nct_ids(server, **params) -> list[str]:
    r = httpx.get(f"{server.url}/studies", params=params, timeout=5)
    assert r.status_code == 200, r.text
    return [s["protocolSection"]["identificationModule"]["nctId"] for s in r.json()["studies"]]


def test_condition_search_covers_titles_keywords_and_mesh_ancestors_not_summaries(server):
    assert nct_ids(server, **{"query.cond": "carcinoid"}) == ["NCT00000001", "NCT00000002"]
    # The official title ("Official: ..." in these fixtures) counts as much as the brief one.
    assert nct_ids(server, **{"query.cond": '"official: skin"'}) == ["NCT00000003"]
    assert nct_ids(server, **{"query.cond": "neuroendocrine"}) == ["NCT00000003"]
    assert nct_ids(server, **{"query.cond": "carcinoid OR neuroendocrine"}) == ["NCT00000001", "NCT00000002", "NCT00000003"]
    assert nct_ids(server, **{"query.term": "carcinoid"}) == ["NCT00000001", "NCT00000002", "NCT00000004"]


def test_the_essie_module_refuses_what_it_cannot_imitate():
    with pytest.raises(EssieSyntaxError, match="not supported by the replay"):
        parse_essie("EXPANSION[None]carcinoid", "query.cond")
    with pytest.raises(EssieSyntaxError, match="malformed NCT ID"):
        parse_essie("NCT123456789", "query.id")
