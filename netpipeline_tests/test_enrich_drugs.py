"""Drug taxonomy and intervention classification (netpipeline.normalise.enrich.drugs)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from netpipeline.normalise.enrich import DrugMatch, classify_intervention, mechanism_classes, taxonomy_version
from netpipeline.normalise.enrich.drugs import TAXONOMY_PATH, Taxonomy, normalise_name

CTGOV = Path(__file__).resolve().parents[1].parent / "shared" / "ctgov"


def classes(name, other_names=(), mesh_terms=()):
    return {(m.drug, m.mechanism_class) for m in classify_intervention(name, other_names, mesh_terms)}


@pytest.mark.parametrize(
    "name, drug, mechanism_class",
    [
        # somatostatin analogues
        ("Octreotide LAR", "octreotide", "somatostatin_analogue"),
        ("Sandostatin® LAR Depot", "octreotide", "somatostatin_analogue"),
        ("Lanreotide Autogel 120 mg", "lanreotide", "somatostatin_analogue"),
        ("Somatuline Depot", "lanreotide", "somatostatin_analogue"),
        ("Paltusotine (CRN00808)", "paltusotine", "somatostatin_analogue"),
        ("Somatostatin Analogs", "somatostatin analogue (unspecified)", "somatostatin_analogue"),
        # mTOR
        ("Everolimus", "everolimus", "mtor_inhibitor"),
        ("RAD001", "everolimus", "mtor_inhibitor"),
        ("Afinitor", "everolimus", "mtor_inhibitor"),
        # VEGFR TKIs, code names with and without hyphens/spaces
        ("Zanzalintinib", "zanzalintinib", "vegfr_tki"),
        ("XL092", "zanzalintinib", "vegfr_tki"),
        ("XL-092", "zanzalintinib", "vegfr_tki"),
        ("xl 092", "zanzalintinib", "vegfr_tki"),
        ("Cabozantinib S-malate", "cabozantinib", "vegfr_tki"),
        ("Sulfatinib", "surufatinib", "vegfr_tki"),
        ("Sulphatinib", "surufatinib", "vegfr_tki"),
        ("Sunitinib malate", "sunitinib", "vegfr_tki"),
        ("Lenvima", "lenvatinib", "vegfr_tki"),
        # anti-VEGF
        ("Bevacizumab-awwb", "bevacizumab", "anti_vegf_antibody"),
        # PRRT: the many spellings of one radioligand
        ("177Lu-DOTATATE", "lutetium Lu 177 dotatate", "prrt_radioligand"),
        ("Lutathera", "lutetium Lu 177 dotatate", "prrt_radioligand"),
        ("Lutetium Lu 177 Dotatate", "lutetium Lu 177 dotatate", "prrt_radioligand"),
        ("[177Lu]Lu-DOTA-TATE", "lutetium Lu 177 dotatate", "prrt_radioligand"),
        ("¹⁷⁷Lu-DOTATATE", "lutetium Lu 177 dotatate", "prrt_radioligand"),
        ("Lu-177-DOTATATE", "lutetium Lu 177 dotatate", "prrt_radioligand"),
        ("Lutetium-177 dotatate", "lutetium Lu 177 dotatate", "prrt_radioligand"),
        ("lutetium (177Lu) oxodotreotide", "lutetium Lu 177 dotatate", "prrt_radioligand"),
        ("ITM-11 (177Lu-edotreotide)", "lutetium Lu 177 edotreotide", "prrt_radioligand"),
        ("177Lu-DOTATOC", "lutetium Lu 177 edotreotide", "prrt_radioligand"),
        ("RYZ101", "actinium Ac 225 dotatate", "prrt_radioligand"),
        ("Actinium-225 DOTATATE", "actinium Ac 225 dotatate", "prrt_radioligand"),
        ("AlphaMedix (212Pb-DOTAMTATE)", "lead Pb 212 DOTAMTATE", "prrt_radioligand"),
        ("177Lu-satoreotide tetraxetan", "lutetium Lu 177 satoreotide tetraxetan", "prrt_radioligand"),
        # DLL3
        ("Tarlatamab", "tarlatamab", "dll3_targeted"),
        ("AMG 757", "tarlatamab", "dll3_targeted"),
        ("AMG-757", "tarlatamab", "dll3_targeted"),
        ("BI 764532", "obrixtamig", "dll3_targeted"),
        ("BI764532", "obrixtamig", "dll3_targeted"),
        ("Obrixtamig", "obrixtamig", "dll3_targeted"),
        # checkpoint inhibitors
        ("MK-3475", "pembrolizumab", "immune_checkpoint_inhibitor"),
        ("Keytruda®", "pembrolizumab", "immune_checkpoint_inhibitor"),
        ("Nivolumab", "nivolumab", "immune_checkpoint_inhibitor"),
        # ADC
        ("Sacituzumab Govitecan", "sacituzumab govitecan", "antibody_drug_conjugate"),
        ("IMMU-132", "sacituzumab govitecan", "antibody_drug_conjugate"),
        ("Trodelvy™", "sacituzumab govitecan", "antibody_drug_conjugate"),
        # chemotherapy
        ("Temozolomide", "temozolomide", "chemotherapy"),
        ("Streptozotocin", "streptozocin", "chemotherapy"),
        ("5-FU", "fluorouracil", "chemotherapy"),
        ("Etoposide", "etoposide", "chemotherapy"),
        # interferon
        ("Interferon alpha-2b", "interferon alfa-2b", "interferon"),
        ("Peginterferon alfa-2b", "peginterferon alfa-2b", "interferon"),
        # complement inhibitors
        ("ALXN2420", "ALXN2420", "complement_inhibitor"),
        ("ALXN-2420", "ALXN2420", "complement_inhibitor"),
        ("Danicopan", "danicopan", "complement_inhibitor"),
        # imaging tracers are not PRRT even though they share "DOTATATE"
        ("68Ga-DOTATATE PET/CT", "gallium Ga 68 dotatate", "imaging_diagnostic"),
        ("Gallium Ga 68 Dotatate", "gallium Ga 68 dotatate", "imaging_diagnostic"),
        ("NETSPOT", "gallium Ga 68 dotatate", "imaging_diagnostic"),
        ("Copper Cu 64 Dotatate", "copper Cu 64 dotatate", "imaging_diagnostic"),
        ("Octreoscan", "indium In 111 pentetreotide", "imaging_diagnostic"),
        ("Indium In-111 pentetreotide", "indium In 111 pentetreotide", "imaging_diagnostic"),
        ("68Ga-DOTA-octreotide", "SSTR imaging agent (unspecified)", "imaging_diagnostic"),
        # placebo and other known agents
        ("Placebo", "placebo", "placebo"),
        ("Placebo to match everolimus", "placebo", "placebo"),
        ("Telotristat ethyl", "telotristat ethyl", "other"),
        ("Iobenguane I-131", "iobenguane I 131", "other"),
    ],
)
def test_single_agent(name, drug, mechanism_class):
    matches = classify_intervention(name)
    assert [(m.drug, m.mechanism_class) for m in matches] == [(drug, mechanism_class)]
    assert matches[0].matched_on == "name" and matches[0].matched_text == name


@pytest.mark.parametrize(
    "mechanism_class, other_name, mesh_term",
    [
        ("somatostatin_analogue", "Sandostatin LAR", "Octreotide"),
        ("mtor_inhibitor", "RAD001", "Everolimus"),
        ("vegfr_tki", "XL092", "Sunitinib"),
        ("anti_vegf_antibody", "Avastin", "Bevacizumab"),
        ("prrt_radioligand", "Lutathera", "Lutetium Lu 177 Dotatate"),
        ("dll3_targeted", "AMG 757", "tarlatamab"),
        ("immune_checkpoint_inhibitor", "MK-3475", "pembrolizumab"),
        ("antibody_drug_conjugate", "IMMU-132", "sacituzumab govitecan"),
        ("chemotherapy", "CAPTEM", "Temozolomide"),
        ("interferon", "Intron A", "Interferon-alpha"),
        ("complement_inhibitor", "ALXN2420", "eculizumab"),
        ("imaging_diagnostic", "NETSPOT", "gallium Ga 68 dotatate"),
        ("placebo", "Matching placebo", "Placebos"),
        ("other", "Xermelo", "telotristat ethyl"),
    ],
)
def test_each_class_via_other_names_and_mesh(mechanism_class, other_name, mesh_term):
    # an opaque arm label as the name: the class has to come from the other name / MeSH term
    by_other = classify_intervention("Arm A study drug", [other_name])
    assert {m.mechanism_class for m in by_other} == {mechanism_class}
    assert all(m.matched_on == "other_name" and m.matched_text == other_name for m in by_other)
    by_mesh = classify_intervention("Arm A study drug", [], [mesh_term])
    assert {m.mechanism_class for m in by_mesh} == {mechanism_class}
    assert all(m.matched_on == "mesh" and m.matched_text == mesh_term for m in by_mesh)


def test_match_carries_class_label_and_therapy_line():
    (ssa,) = classify_intervention("Octreotide")
    assert ssa.class_label == "Somatostatin analogue (SSA)" and ssa.therapy_line == "first line"
    (prrt,) = classify_intervention("Lutathera")
    assert prrt.therapy_line == "third line (SSTR-positive)"
    (tki,) = classify_intervention("Sunitinib")
    assert tki.therapy_line == "second line"
    (chemo,) = classify_intervention("Temozolomide")
    assert chemo.therapy_line == "chemotherapy (pancreatic / high-grade)"
    with pytest.raises(AttributeError):
        ssa.drug = "x"  # frozen: cached results are shared between callers


@pytest.mark.parametrize("name", ["CAPTEM", "Capecitabine and Temozolomide", "CAP/TEM", "Capecitabine + temozolomide"])
def test_captem_regimen_yields_both_components(name):
    assert classes(name) == {("capecitabine", "chemotherapy"), ("temozolomide", "chemotherapy")}


def test_combinations_yield_each_drug():
    assert classes("177Lu-DOTATATE + atezolizumab") == {
        ("lutetium Lu 177 dotatate", "prrt_radioligand"), ("atezolizumab", "immune_checkpoint_inhibitor")}
    assert classes("mFOLFOX6") == {("fluorouracil", "chemotherapy"), ("leucovorin", "chemotherapy"),
                                   ("oxaliplatin", "chemotherapy")}
    # the SSA given alongside PRRT is its own drug, not swallowed by the radioligand
    assert classes("177Lu-DOTATATE plus octreotide LAR") == {
        ("lutetium Lu 177 dotatate", "prrt_radioligand"), ("octreotide", "somatostatin_analogue")}
    assert classes("Everolimus + Placebo") == {("everolimus", "mtor_inhibitor"), ("placebo", "placebo")}
    # a generic placeholder gives way to the named drug of the same class
    assert classes("Capecitabine chemotherapy") == {("capecitabine", "chemotherapy")}


def test_other_names_and_mesh_are_used_in_order_without_duplicates():
    matches = classify_intervention("Study drug", ["Lutathera", "177Lu-DOTATATE"], ["Lutetium Lu 177 Dotatate"])
    assert [(m.drug, m.matched_on, m.matched_text) for m in matches] == [
        ("lutetium Lu 177 dotatate", "other_name", "Lutathera")]
    (m,) = classify_intervention("Investigational agent", [], ["Everolimus"])
    assert (m.drug, m.mechanism_class, m.matched_on) == ("everolimus", "mtor_inhibitor", "mesh")
    (m,) = classify_intervention("AMG", ["AMG 757"])
    assert (m.drug, m.matched_on) == ("tarlatamab", "other_name")
    # MeSH is a fallback only: the study-level list must not add drugs to a named intervention
    assert classes("Placebo", [], ["Everolimus", "Octreotide"]) == {("placebo", "placebo")}


def test_unknown_is_unclassified_never_dropped():
    (m,) = classify_intervention("XYZ-999")
    assert m == DrugMatch("XYZ-999", "unclassified", "Unclassified (not in the taxonomy)", "unknown", "name", "XYZ-999")
    assert classify_intervention("") == []
    # a synonym must cover whole words: "octreotide" inside another word is not octreotide,
    # and native somatostatin is not a somatostatin analogue
    assert classes("Vapreoctreotidex") == {("Vapreoctreotidex", "unclassified")}
    assert classes("Somatostatin-14") == {("Somatostatin-14", "unclassified")}


def test_drug_eluting_devices_are_not_drugs():
    assert classes("Everolimus-eluting stent") == {("Everolimus-eluting stent", "device")}


def test_normalisation():
    assert normalise_name("Lutetium Lu 177 Dotatate®") == "177lu dotatate"
    assert normalise_name("[¹⁷⁷Lu]Lu-DOTA-TATE") == "177lu dota tate"
    assert normalise_name("Ga-68 DOTATOC") == "68ga dotatoc"
    assert normalise_name("Interferon Alpha") == "interferon alfa"
    assert normalise_name("naïve") == "naive"


def test_taxonomy_file_is_versioned_and_complete():
    data = yaml.safe_load(TAXONOMY_PATH.read_text(encoding="utf-8"))
    assert taxonomy_version() == str(data["version"]) and taxonomy_version()
    # The classes the code, the demo and the docs name; a new class is added in the YAML alone.
    named = {"somatostatin_analogue", "mtor_inhibitor", "vegfr_tki", "anti_vegf_antibody", "prrt_radioligand",
             "dll3_targeted", "immune_checkpoint_inhibitor", "antibody_drug_conjugate", "chemotherapy",
             "interferon", "complement_inhibitor", "imaging_diagnostic", "placebo", "other", "unclassified",
             "kinase_inhibitor"}   # RET inhibitors by name; other kinase inhibitors by INN stem
    # classes given only by registry signals (drug_signals.py): INN stems and intervention types
    by_signal = {"procedure", "radiation_therapy", "diagnostic_test", "biospecimen_collection",
                 "device", "behavioural", "dietary_supplement"}
    assert named | by_signal <= set(mechanism_classes())
    assert all(c.label and c.therapy_line for c in mechanism_classes().values())
    assert TAXONOMY_PATH.read_text(encoding="utf-8").startswith("#")  # the how-to-extend header
    used = {d["class"] for d in data["drugs"]}
    assert used == set(mechanism_classes()) - by_signal - {"unclassified"}  # every drug class has at least one drug


def test_taxonomy_refuses_ambiguous_synonyms():
    data = {"version": "t", "classes": {"a": {"label": "A", "therapy_line": "x"},
                                        "unclassified": {"label": "U", "therapy_line": "?"}},
            "drugs": [{"name": "one", "class": "a", "synonyms": ["XL-1"]},
                      {"name": "two", "class": "a", "synonyms": ["xl1"]}]}
    with pytest.raises(ValueError, match="maps to both"):
        Taxonomy(data)


def test_real_interventions_classify_without_error():
    studies = CTGOV / "studies"
    if not studies.is_dir():
        pytest.skip(f"real CT.gov records not present at {studies} (shared team folder)")
    seen = 0
    for path in sorted(studies.glob("*.json")):
        record = json.loads(path.read_bytes())
        arms = (record.get("protocolSection") or {}).get("armsInterventionsModule") or {}
        for iv in arms.get("interventions") or []:
            matches = classify_intervention(iv.get("name", ""), iv.get("otherNames") or [])
            assert matches or not (iv.get("name") or "").strip()
            seen += 1
    assert seen > 1000
    # spot checks on names that occur in these records
    assert classes("AK104+anlotinib") == {("cadonilimab", "immune_checkpoint_inhibitor"), ("anlotinib", "vegfr_tki")}
    assert classes("Enalapril matching placebo") == {("placebo", "placebo")}
