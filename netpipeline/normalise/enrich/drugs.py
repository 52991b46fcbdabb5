"""Classify trial interventions into NET mechanism classes using drug_taxonomy.yaml.

Matching works on a normalised token stream rather than on raw strings, because CT.gov
intervention names spell the same agent many ways ("177Lu-DOTATATE", "Lutetium Lu 177
Dotatate", "[177Lu]Lu-DOTA-TATE", "XL-092", "BI764532"). Both the taxonomy synonyms and
the input go through the same `normalise_name`, then a synonym matches when its compact
form (tokens joined without separators) equals a run of whole input tokens. That keeps
"octreotide" from matching inside "pentetreotide" while "XL 092" still equals "XL092".

Results are cached: the normaliser calls this for every intervention of every study version
and the same few hundred names repeat across thousands of rows.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Sequence

import yaml

from .drug_signals import DEVICE_NAME, is_non_drug, signal_class

TAXONOMY_PATH = Path(__file__).with_name("drug_taxonomy.yaml")


@dataclass(frozen=True)
class DrugMatch:
    drug: str  # canonical name from the taxonomy, or the input name when unclassified
    mechanism_class: str
    class_label: str
    therapy_line: str
    matched_on: str  # 'name' | 'other_name' | 'mesh' | 'signal: <rule>' (drug_signals)
    matched_text: str  # the input string (name, other name or MeSH term) that matched


@dataclass(frozen=True)
class MechanismClass:
    code: str
    label: str
    therapy_line: str


# --- normalisation -----------------------------------------------------------------------

_MARKS = re.compile(r"[®™©℠]|\(r\)|\(tm\)", re.IGNORECASE)
# (symbol, element name, mass numbers) of the radionuclides seen in NET trials.
_ISOTOPES = (
    ("lu", "lutetium", ("177",)), ("ga", "gallium", ("68",)), ("cu", "copper", ("64", "67")),
    ("ac", "actinium", ("225",)), ("pb", "lead", ("212", "203")), ("y", "yttrium", ("90",)),
    ("in", "indium", ("111",)), ("i", "iodine", ("131", "123", "124")), ("f", "fluorine", ("18",)),
    ("tc", "technetium", ("99m",)), ("tb", "terbium", ("161",)), ("zr", "zirconium", ("89",)),
)


def _isotope_rules() -> list[tuple[re.Pattern[str], str]]:
    rules = []
    for sym, name, masses in _ISOTOPES:
        # Only intervention names pass through here, so "in 111" turning into "111in" in
        # prose does no harm; the mass numbers are specific enough.
        for mass in masses:
            forms = [
                rf"{name}\s+{sym}\s*-?\s*{mass}",  # USAN: "lutetium Lu 177 dotatate"
                rf"\[\s*{mass}\s*{sym}\s*\]\s*{sym}\b",  # "[177Lu]Lu-DOTATATE"
                rf"{name}\s*\(\s*{mass}\s*{sym}\s*\)",  # INN: "lutetium (177Lu) oxodotreotide"
                rf"{name}\s*-?\s*{mass}",  # "lutetium-177"
                rf"\[\s*{mass}\s*{sym}\s*\]",  # "[68Ga]"
                rf"{sym}\s*-?\s*{mass}",  # "Lu-177", "Ga68", "iobenguane I 131"
                rf"{mass}\s*-?\s*{sym}",  # "177-Lu", "177 Lu"
            ]
            pattern = re.compile(rf"(?<![a-z0-9])(?:{'|'.join(forms)})(?![a-z0-9])")
            rules.append((pattern, f" {mass}{sym} "))
    return rules


_ISOTOPE_RULES = _isotope_rules()
_THERAPEUTIC_NUCLIDES = {"177lu", "90y", "225ac", "212pb", "161tb", "67cu"}
_DIAGNOSTIC_NUCLIDES = {"68ga", "64cu", "111in", "99mtc", "18f", "203pb", "89zr"}
_SPELLING = (
    (re.compile(r"α"), "alfa"),
    (re.compile(r"β"), "beta"),
    (re.compile(r"alpha"), "alfa"),
    (re.compile(r"sulph"), "sulf"),
    (re.compile(r"\banalog(?:ue)?s?\b"), "analogue"),
)
_TOKEN = re.compile(r"[a-z0-9]+")


def _nuclide_label(token: str) -> str:
    """'177lu' -> '177Lu', '99mtc' -> '99mTc'."""
    mass = re.match(r"\d+m?", token).group(0)
    return mass + token[len(mass):].capitalize()


def _tokens(text: str) -> tuple[str, ...]:
    text = _MARKS.sub(" ", text or "")
    # NFKD turns superscript digits into digits and fullwidth punctuation into ASCII;
    # dropping combining marks makes "naïve" equal "naive".
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    text = text.lower()
    for pattern, repl in _SPELLING:
        text = pattern.sub(repl, text)
    for pattern, repl in _ISOTOPE_RULES:
        text = pattern.sub(repl, text)
    return tuple(_TOKEN.findall(text))


def normalise_name(text: str) -> str:
    """Lower-case, accent-free, punctuation-free form used for matching ('177lu dotatate')."""
    return " ".join(_tokens(text))


# --- taxonomy ----------------------------------------------------------------------------


class Taxonomy:
    """The parsed YAML plus a compact-synonym index; built once per process."""

    def __init__(self, data: dict) -> None:
        self.version = str(data["version"])
        self.classes = {
            code: MechanismClass(code, spec["label"], spec["therapy_line"])
            for code, spec in data["classes"].items()
        }
        if "unclassified" not in self.classes:
            raise ValueError("taxonomy needs an 'unclassified' class")
        self.drug_class: dict[str, str] = {}
        self.index: dict[str, tuple[str, ...]] = {}  # compact synonym -> drug(s)
        self.max_span = 1
        for drug in data.get("drugs", []):
            name, code = drug["name"], drug["class"]
            if code not in self.classes:
                raise ValueError(f"drug {name!r}: unknown class {code!r}")
            if name in self.drug_class:
                raise ValueError(f"drug {name!r} listed twice")
            self.drug_class[name] = code
            for text in [name, *drug.get("synonyms", []), *drug.get("mesh", [])]:
                self._add(text, (name,))
        # SSTR ligands: "<nuclide> <ligand>" names for every nuclide, the nuclide deciding the class
        self.ligands: dict[str, dict[str, str]] = {}  # ligand -> {'': default, nuclide: drug}
        for ligand in data.get("ligands", []):
            name, code = ligand["name"], ligand["class"]
            if code not in self.classes:
                raise ValueError(f"ligand {name!r}: unknown class {code!r}")
            by_nuclide = {"": name}
            self.drug_class[name] = code
            for nuclide in (*_THERAPEUTIC_NUCLIDES, *_DIAGNOSTIC_NUCLIDES):
                labelled = f"{_nuclide_label(nuclide)} {name}"
                by_nuclide[nuclide] = labelled
                self.drug_class.setdefault(
                    labelled, "prrt_radioligand" if nuclide in _THERAPEUTIC_NUCLIDES else "imaging_diagnostic")
            self.ligands[name] = by_nuclide
            for text in [name, *ligand.get("synonyms", [])]:
                self._add(text, (name,))
        for regimen in data.get("regimens", []):
            components = tuple(regimen["components"])
            missing = [c for c in components if c not in self.drug_class]
            if missing:
                raise ValueError(f"regimen {regimen['name']!r}: unknown components {missing}")
            for text in [regimen["name"], *regimen.get("synonyms", [])]:
                self._add(text, components)

    def _add(self, text: str, drugs: tuple[str, ...]) -> None:
        tokens = _tokens(str(text))
        key = "".join(tokens)
        if not key:
            return
        known = self.index.get(key)
        if known is not None and known != drugs:
            raise ValueError(f"synonym {text!r} maps to both {known} and {drugs}")
        self.index[key] = drugs
        # The input may split a synonym into more tokens than the synonym itself has
        # ("xl092" vs "xl 092"): allow a few extra tokens per window.
        self.max_span = max(self.max_span, len(tokens) + 3)

    def find(self, text: str) -> list[str]:
        """Canonical drug names found in `text`, left to right, longest match first."""
        tokens = _tokens(text)
        found: list[str] = []
        i, n, free_from = 0, len(tokens), 0
        while i < n:
            for j in range(min(n, i + self.max_span), i, -1):
                drugs = self.index.get("".join(tokens[i:j]))
                if drugs is not None:
                    drugs = self._radiolabelled(drugs, tokens[max(free_from, i - 2):i])
                    found.extend(d for d in drugs if d not in found)
                    i = free_from = j
                    break
            else:
                i += 1
        return found

    def _radiolabelled(self, drugs: tuple[str, ...], before: tuple[str, ...]) -> tuple[str, ...]:
        if len(drugs) == 1 and drugs[0] in self.ligands:
            # "225Ac-DOTATOC", "[203Pb]VMT-alfa-NET": the nuclide named before the ligand decides
            nuclide = next((t for t in reversed(before) if t in self.ligands[drugs[0]]), "")
            return (self.ligands[drugs[0]][nuclide],)
        # "68Ga-DOTA-octreotide" is a PET tracer and "177Lu-DOTA-octreotide" a PRRT, not the
        # cold SSA: a free radionuclide token just before an SSA name relabels it.
        if not all(self.drug_class[d] == "somatostatin_analogue" for d in drugs):
            return drugs
        if any(t in _THERAPEUTIC_NUCLIDES for t in before):
            return ("PRRT (unspecified)",)
        if any(t in _DIAGNOSTIC_NUCLIDES for t in before):
            return ("SSTR imaging agent (unspecified)",)
        return drugs

    @staticmethod
    def is_generic(drug: str) -> bool:
        # "(unspecified)" placeholders: dropped when a named drug of the same class is found.
        return drug.endswith("(unspecified)")


@lru_cache(maxsize=1)
def load_taxonomy(path: str | None = None) -> Taxonomy:
    with open(path or TAXONOMY_PATH, encoding="utf-8") as fh:
        return Taxonomy(yaml.safe_load(fh))


@lru_cache(maxsize=131072)
def _find(text: str) -> tuple[str, ...]:
    """Taxonomy drugs named in one text. Cached per text: the same intervention names repeat
    across studies while their descriptions (part of `_classify`'s key) do not."""
    return tuple(load_taxonomy().find(text))


def taxonomy_version() -> str:
    return load_taxonomy().version


def mechanism_classes() -> dict[str, MechanismClass]:
    """Class code -> label and therapy-line context (for a dimension table)."""
    return dict(load_taxonomy().classes)


# --- classification ----------------------------------------------------------------------

_COMBINATION = re.compile(r"\+|\bplus\b|\band\b|\bwith\b|\bcombined\b|/", re.IGNORECASE)


def classify_intervention(
    name: str, other_names: Sequence[str] = (), mesh_terms: Sequence[str] = (),
    intervention_type: str | None = None, description: str | None = None,
) -> list[DrugMatch]:
    """Drugs named by one CT.gov intervention, each with its mechanism class.

    The name is read first, then other names; a drug already found is not repeated. MeSH
    terms are read only when name and other names found nothing, because CT.gov's intervention
    MeSH list belongs to the study, not to one intervention (still best passed only when they
    plausibly belong to it). Nothing in the taxonomy -> the registry's signals
    (`drug_signals.signal_class`: INN stems with a target word in the name, other names,
    description or MeSH terms; the intervention type for non-drugs), matched_on
    'signal: <rule>'. Nothing at all -> one 'unclassified' match carrying the name, so an
    intervention is never dropped; a blank name with nothing found gives [].
    """
    return list(_classify(name or "", tuple(other_names or ()), tuple(mesh_terms or ()),
                          intervention_type, description or ""))


@lru_cache(maxsize=131072)
def _classify(name: str, other_names: tuple[str, ...], mesh_terms: tuple[str, ...],
              intervention_type: str | None = None, description: str = "") -> tuple[DrugMatch, ...]:
    tax = load_taxonomy()
    found: dict[str, tuple[str, str]] = {}  # drug -> (matched_on, matched_text)
    signal = None
    for matched_on, texts in (("name", (name,)), ("other_name", other_names), ("mesh", mesh_terms)):
        if matched_on == "mesh" and not found and name.strip():
            # the intervention's own signals (stem, type) before the study's MeSH list
            signal = signal_class(name, other_names, intervention_type, description, mesh_terms)
        if matched_on == "mesh" and (found or signal or is_non_drug(name, intervention_type)):
            # MeSH is only a fallback: CT.gov's intervention MeSH list is per study, not per
            # arm, and names no drug of a "Computed Tomography" procedure
            break
        for text in texts:
            if DEVICE_NAME.search(text):
                continue  # "everolimus-eluting platinum chromium stent" is a device, not a drug
            drugs = _find(text)
            if matched_on == "name" and "placebo" in drugs and not _COMBINATION.search(text):
                # "Placebo to match everolimus" is a placebo, not everolimus.
                drugs = ["placebo"]
            for drug in drugs:
                found.setdefault(drug, (matched_on, text))
    classes_named = {tax.drug_class[d] for d in found if not tax.is_generic(d)}
    matches = []
    for drug, (matched_on, text) in found.items():
        code = tax.drug_class[drug]
        if tax.is_generic(drug) and code in classes_named:
            continue  # "capecitabine chemotherapy": the named drug says more than the generic
        cls = tax.classes[code]
        matches.append(DrugMatch(drug, code, cls.label, cls.therapy_line, matched_on, text))
    if not matches and name.strip():
        if signal is not None:
            cls = tax.classes[signal.mechanism_class]
            return (DrugMatch(name.strip(), cls.code, cls.label, cls.therapy_line, f"signal: {signal.rule}",
                              signal.matched_text),)
        cls = tax.classes["unclassified"]
        matches.append(DrugMatch(name.strip(), cls.code, cls.label, cls.therapy_line, "name", name))
    return tuple(matches)
