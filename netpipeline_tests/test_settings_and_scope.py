"""Configuration errors are clear and name what is wrong: scope file, settings."""
from __future__ import annotations

import pytest

from netpipeline.ingest.scope import ScopeError, load_scope
from netpipeline.orchestration.resources import share_setting
from netpipeline.settings import DEFAULTS, setting


def test_the_shipped_scope_is_versioned_and_builds_the_query():
    scope = load_scope(DEFAULTS["NETPIPELINE_SCOPE"])
    params = scope.query_params()
    assert scope.name == "net-universe" and scope.version
    for term in ('"neuroendocrine tumor"', "carcinoid", '"Merkel cell carcinoma"', "pheochromocytoma"):
        assert term in params["query.cond"]
    assert params["sort"] == "StudyFirstPostDate:asc" and scope.page_size == 1000


def test_the_scope_asks_for_the_newer_subtypes_and_not_for_primitive_neuroectodermal_tumours():
    scope = load_scope(DEFAULTS["NETPIPELINE_SCOPE"])
    terms = {t.lower() for t in scope.condition_terms}
    assert {"medullary thyroid carcinoma", "neuroendocrine prostate cancer", "small cell bladder cancer",
            "pancreatic net", "apudoma"} <= terms
    # the search is case-insensitive: "pNET" would also return PNET (Ewing family, CNS)
    assert "pnet" not in terms


@pytest.mark.parametrize("text, message", [
    ("name: x\nversion: '1'\ncondition_terms: [a]\npage_size: 5000\n", "page_size"),
    ("name: x\ncondition_terms: [a]\n", "`version` must be a non-empty string"),
    ("name: x\nversion: '1'\nconditon_terms: [a]\n", "unknown key(s) ['conditon_terms']"),
    ("name: x\nversion: '1'\nextra_params: {pageToken: abc}\n", "without paging parameters"),
    ("name: [unclosed\n", "not valid YAML"),
])
def test_a_bad_scope_file_names_the_problem(tmp_path, text, message):
    path = tmp_path / "scope.yaml"
    path.write_text(text)
    with pytest.raises(ScopeError) as info:
        load_scope(path)
    assert message in str(info.value) and str(path) in str(info.value)


def test_a_missing_scope_file_is_named(tmp_path):
    with pytest.raises(ScopeError, match="does not exist"):
        load_scope(tmp_path / "nope.yaml")


def test_settings_fall_back_to_documented_defaults(monkeypatch):
    monkeypatch.delenv("NETPIPELINE_CTGOV_BASE_URL", raising=False)
    assert setting("NETPIPELINE_CTGOV_BASE_URL") == "https://clinicaltrials.gov/api/v2"
    monkeypatch.setenv("NETPIPELINE_CTGOV_BASE_URL", "http://127.0.0.1:1/api/v2")
    assert setting("NETPIPELINE_CTGOV_BASE_URL") == "http://127.0.0.1:1/api/v2"
    with pytest.raises(KeyError, match="unknown setting"):
        setting("NETPIPELINE_NOPE")


@pytest.mark.parametrize("value, ok", [("0.25", True), ("1.5", False), ("lots", False)])
def test_volume_drop_setting_is_validated(monkeypatch, value, ok):
    monkeypatch.setenv("NETPIPELINE_VOLUME_DROP_MAX", value)
    if ok:
        assert share_setting("NETPIPELINE_VOLUME_DROP_MAX") == 0.25
    else:
        with pytest.raises(ValueError, match="NETPIPELINE_VOLUME_DROP_MAX"):
            share_setting("NETPIPELINE_VOLUME_DROP_MAX")
