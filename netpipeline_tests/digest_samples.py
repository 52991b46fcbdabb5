"""Shared builders for the digest tests: a small but realistic day of trials and events.

Named test_digest_* so it lives with the digest tests; it holds no tests itself.
"""
from __future__ import annotations

import textwrap
from datetime import date
from pathlib import Path

from netpipeline.digest.subscriber import Subscriber
from netpipeline.digest.subscriptions import parse_subscriptions

DAY = date(2026, 11, 19)
BASE = date(2026, 11, 18)
BOSTON = (42.3601, -71.0589)
LYON = (45.7640, 4.8357)


def site(facility, city, country, lat, lon, status="RECRUITING", state=None, zip_=None):
    return {"facility": facility, "city": city, "state": state, "zip": zip_, "country": country,
            "status": status, "lat": lat, "lon": lon}


MGH = site("Massachusetts General Hospital", "Boston", "United States", 42.3626, -71.0685, state="Massachusetts")
LEON_BERARD = site("Centre Léon Bérard", "Lyon", "France", 45.7420, 4.8830)
TOKYO = site("National Cancer Center Hospital", "Tokyo", "Japan", 35.6665, 139.7720)
UCLA_SITE = site("UCLA Medical Center", "Los Angeles", "United States", 34.0663, -118.4455, state="California")
NO_GEO = site("Hospital without geocode", "Nowhere", "United States", None, None)


def drug(name, mech, label):
    return {"name": name, "mechanism_class": mech, "class_label": label}


def trial(nct_id, title, *, status="RECRUITING", previous=None, phases=("PHASE2",), sponsor="Sponsor",
          sponsor_class="INDUSTRY", subtypes=("pancreatic",), drugs=(), sites=(), is_net=True):
    sites = list(sites)
    phase_label = "/".join(p.replace("PHASE", "") for p in phases)
    return {"nct_id": nct_id, "brief_title": title, "overall_status": status,
            "previous_overall_status": previous if previous is not None else status,
            "phases": list(phases), "phase_label": f"Phase {phase_label}" if phases else "N/A",
            "study_type": "INTERVENTIONAL" if phases else "OBSERVATIONAL", "lead_sponsor": sponsor,
            "lead_sponsor_class": sponsor_class, "is_net": is_net, "net_subtypes": list(subtypes),
            "drugs": list(drugs), "countries": sorted({s["country"] for s in sites}), "sites": sites}


def make_trials() -> dict[str, dict]:
    ts = [
        trial("NCT06943755", "Zanzalintinib (XL092) Versus Everolimus in Advanced NET (STELLAR-311)",
              phases=("PHASE2", "PHASE3"), sponsor="Exelixis", subtypes=("pancreatic", "gastrointestinal"),
              drugs=(drug("Zanzalintinib", "vegfr_tki", "VEGFR TKI"), drug("Everolimus", "mtor_inhibitor", "mTOR inhibitor")),
              sites=(MGH, LEON_BERARD, TOKYO, UCLA_SITE)),
        trial("NCT06788938", "Tarlatamab in Neuroendocrine Carcinoma", sponsor="University of California, Los Angeles",
              sponsor_class="OTHER", subtypes=("lung", "high_grade_nec"),
              drugs=(drug("Tarlatamab", "dll3_targeted", "DLL3-targeted"),), sites=(UCLA_SITE,)),
        trial("NCT05773274", "177Lu-DOTATATE for Lung NET", status="ACTIVE_NOT_RECRUITING", previous="RECRUITING",
              sponsor="National Cancer Institute (NCI)", sponsor_class="NIH", subtypes=("lung",),
              drugs=(drug("177Lu-DOTATATE", "prrt_radioligand", "PRRT radioligand"),), sites=(MGH,)),
        trial("NCT00569127", "Octreotide + Interferon vs Bevacizumab", status="ACTIVE_NOT_RECRUITING",
              phases=("PHASE3",), sponsor="National Cancer Institute (NCI)", sponsor_class="NIH",
              subtypes=("gastrointestinal",), drugs=(drug("Octreotide", "somatostatin_analogue", "Somatostatin analogue"),
                                                    drug("Bevacizumab", "anti_vegf_antibody", "Anti-VEGF antibody"))),
        trial("NCT07037420", "ALXN2420 in Carcinoid Syndrome", status="NOT_YET_RECRUITING", sponsor="Alexion",
              subtypes=("small_bowel",), drugs=(drug("ALXN2420", "complement_inhibitor", "Complement inhibitor"),),
              sites=(LEON_BERARD,)),
        trial("NCT05746208", "Lenvatinib + Pembrolizumab in NET", phases=("PHASE1",), sponsor="UCSF",
              sponsor_class="OTHER", drugs=(drug("Lenvatinib", "vegfr_tki", "VEGFR TKI"),)),
        trial("NCT09999991", "Registry of NET Outcomes", phases=(), sponsor="Some Doctor", sponsor_class="INDIV"),
        trial("NCT09999992", "Breast cancer trial", sponsor="Pharma", is_net=False, subtypes=()),
    ]
    return {t["nct_id"]: t for t in ts}


def ev(nct_id, event_type, old=None, new=None, details=None, significance="medium", field=None):
    return {"snapshot_date": DAY, "base_date": BASE, "nct_id": nct_id, "event_type": event_type,
            "field": field or event_type, "old_value": old, "new_value": new, "details": details or {},
            "significance": significance}


def make_events() -> list[dict]:
    return [
        ev("NCT06943755", "site_added", new="Massachusetts General Hospital", details=MGH, significance="high"),
        ev("NCT06943755", "site_added", new="Centre Léon Bérard", details=LEON_BERARD, significance="high"),
        ev("NCT06943755", "site_added", new="National Cancer Center Hospital", details=TOKYO, significance="high"),
        ev("NCT06943755", "eligibility_changed", details={"sections_changed": ["inclusion"], "diff": [
            {"op": " ", "line": "Histologically confirmed well-differentiated NET"},
            {"op": "-", "line": "Ki-67 index <= 20%"},
            {"op": "+", "line": "Ki-67 index <= 55%"}]}),
        ev("NCT05773274", "status_changed", old="RECRUITING", new="ACTIVE_NOT_RECRUITING",
           details={"why_stopped": None}, significance="high", field="overall_status"),
        ev("NCT06788938", "date_changed", old="2027-06-30", new="2027-12-31",
           details={"old_type": "ESTIMATED", "new_type": "ESTIMATED", "shift_days": 184},
           field="primary_completion_date", significance="low"),
        ev("NCT07037420", "new_trial", new="ALXN2420 in Carcinoid Syndrome", significance="high"),
        ev("NCT09999992", "status_changed", old="RECRUITING", new="COMPLETED", field="overall_status"),
        ev("NCT00569127", "enrollment_changed", old="300", new="310", significance="low"),
    ]


def subscriber(rules_yaml: str = "", **top) -> Subscriber:
    """One subscriber parsed through the real loader, so tests exercise the real defaults."""
    sid = top.pop("id", "sub")
    extra = "".join(f"\n    {k}: {v}" for k, v in top.items())
    rules = textwrap.indent(textwrap.dedent(rules_yaml).strip(), "      ")
    doc = f"version: 1\nsubscribers:\n  - id: {sid}\n    email: sub@example.org\n    name: Sub{extra}\n"
    if rules:
        doc += f"    rules:\n{rules}\n"
    return parse_subscriptions(doc)[0]


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "subscriptions.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path
