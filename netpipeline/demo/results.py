"""A small but spec-shaped `resultsSection`: participant flow, baseline, one primary outcome with
its analysis, adverse events and the point of contact, built from a trial spec's `results` entry.
"""
from __future__ import annotations

from typing import Any


def _groups(prefix: str, arms: list[dict[str, Any]]) -> list[dict[str, str]]:
    return [{"id": f"{prefix}{i:03d}", "title": arm["label"], "description": arm["description"]}
            for i, arm in enumerate(arms)]


def _counts(prefix: str, values: list[int]) -> list[dict[str, str]]:
    return [{"groupId": f"{prefix}{i:03d}", "value": str(v)} for i, v in enumerate(values)]


def _flow(arms: list[dict[str, Any]], started: list[int], completed: list[int]) -> dict[str, Any]:
    def milestone(kind: str, numbers: list[int]) -> dict[str, Any]:
        return {"type": kind, "achievements": [{"groupId": f"FG{i:03d}", "numSubjects": str(n)}
                                               for i, n in enumerate(numbers)]}
    not_completed = [s - c for s, c in zip(started, completed)]
    return {"groups": _groups("FG", arms),
            "periods": [{"title": "Overall Study", "milestones": [milestone("STARTED", started),
                                                                  milestone("COMPLETED", completed),
                                                                  milestone("NOT COMPLETED", not_completed)]}]}


def _baseline(arms: list[dict[str, Any]], started: list[int], results: dict[str, Any]) -> dict[str, Any]:
    total = sum(started)
    groups = _groups("BG", arms) + [{"id": f"BG{len(arms):03d}", "title": "Total",
                                     "description": "Total of all reporting groups"}]
    counts = started + [total]
    ages = results["age_mean"]
    females = results["female"] + [sum(results["female"])]
    age_classes = [{"categories": [{"measurements": [
        {"groupId": f"BG{i:03d}", "value": mean, "spread": sd} for i, (mean, sd) in enumerate(ages)]}]}]
    sex_classes = [{"categories": [
        {"title": "Female", "measurements": [{"groupId": f"BG{i:03d}", "value": str(f)}
                                             for i, f in enumerate(females)]},
        {"title": "Male", "measurements": [{"groupId": f"BG{i:03d}", "value": str(n - f)}
                                           for i, (n, f) in enumerate(zip(counts, females))]}]}]
    return {"groups": groups,
            "denoms": [{"units": "Participants", "counts": _counts("BG", counts)}],
            "measures": [
                {"title": "Age, Continuous", "paramType": "MEAN", "dispersionType": "STANDARD_DEVIATION",
                 "unitOfMeasure": "years", "classes": age_classes},
                {"title": "Sex: Female, Male", "paramType": "COUNT_OF_PARTICIPANTS", "unitOfMeasure": "Participants",
                 "classes": sex_classes}]}


def _primary_outcome(arms: list[dict[str, Any]], started: list[int], primary: dict[str, Any]) -> dict[str, Any]:
    measurements = [{"groupId": f"OG{i:03d}", "value": median, "lowerLimit": low, "upperLimit": high}
                    for i, (median, low, high) in enumerate(primary["values"])]
    outcome: dict[str, Any] = {
        "type": "PRIMARY", "title": primary["title"], "description": primary["description"],
        "populationDescription": "All randomized participants (intention-to-treat population).",
        "reportingStatus": "POSTED", "paramType": "MEDIAN", "dispersionType": "95% Confidence Interval",
        "unitOfMeasure": primary["unit"], "timeFrame": primary["time_frame"],
        "groups": _groups("OG", arms),
        "denoms": [{"units": "Participants", "counts": _counts("OG", started)}],
        "classes": [{"categories": [{"measurements": measurements}]}],
    }
    if "analysis" in primary and len(arms) > 1:
        hr, low, high = primary["analysis"]["hr"]
        outcome["analyses"] = [{
            "paramType": "Hazard Ratio (HR)", "paramValue": hr, "ciNumSides": "TWO_SIDED", "ciPctValue": "95",
            "ciLowerLimit": low, "ciUpperLimit": high, "pValue": primary["analysis"]["p"],
            "statisticalMethod": "Log Rank", "groupIds": [f"OG{i:03d}" for i in range(len(arms))],
            "testedNonInferiority": False}]
    return outcome


def _adverse_events(arms: list[dict[str, Any]], started: list[int], results: dict[str, Any]) -> dict[str, Any]:
    def events(items: list[tuple]) -> list[dict[str, Any]]:
        return [{"term": term, "organSystem": organ, "sourceVocabulary": "CTCAE (5.0)",
                 "assessmentType": "SYSTEMATIC_ASSESSMENT",
                 "stats": [{"groupId": f"EG{i:03d}", "numEvents": n + n // 3, "numAffected": n, "numAtRisk": risk}
                           for i, (n, risk) in enumerate(zip(affected, started))]}
                for term, organ, affected in items]
    serious, other = results["serious"], results["other"]
    groups = []
    for i, arm in enumerate(arms):
        groups.append({"id": f"EG{i:03d}", "title": arm["label"], "description": arm["description"],
                       "deathsNumAffected": results["deaths"][i], "deathsNumAtRisk": started[i],
                       "seriousNumAffected": max(e[2][i] for e in serious), "seriousNumAtRisk": started[i],
                       "otherNumAffected": max(e[2][i] for e in other), "otherNumAtRisk": started[i]})
    return {"frequencyThreshold": "5", "timeFrame": "From first dose until 30 days after the last dose",
            "eventGroups": groups, "seriousEvents": events(serious), "otherEvents": events(other)}


def build_results(spec: dict[str, Any]) -> dict[str, Any]:
    results = spec["results"]
    arms = spec["arms"]
    started, completed = results["started"], results["completed"]
    title, organisation, email, phone = results["contact"]
    return {
        "participantFlowModule": _flow(arms, started, completed),
        "baselineCharacteristicsModule": _baseline(arms, started, results),
        "outcomeMeasuresModule": {"outcomeMeasures": [_primary_outcome(arms, started, results["primary"])]},
        "adverseEventsModule": _adverse_events(arms, started, results),
        "moreInfoModule": {"certainAgreement": {"piSponsorEmployee": False, "restrictiveAgreement": False},
                           "pointOfContact": {"title": title, "organization": organisation, "email": email,
                                              "phone": phone}},
    }
