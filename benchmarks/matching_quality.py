"""Benchmark: quality and speed of employer services' matching and skill extraction (issue 17).

Three parts, each printed as one JSON line, then a summary line:

* ``extraction``: precision and recall of ``polku.employer_services.extraction`` on the hand-labelled Finnish and
  Swedish snippets of ``benchmarks/data/skill_snippets.json`` (skills and languages; negated mentions unlabelled),
  and its throughput in snippets per second on this machine.
* ``ranking``: simulated job seekers and vacancies with known true fits. Each job seeker has a true occupation
  from the ESCO subset, a profile as a counsellor would record it (the occupation recorded for 60 %, most of the
  occupation's typical skills, some others, the licences the occupation needs for 80 %), a home municipality of the
  Kuopio area, and a CV paragraph in Finnish written from their skills with the subset's Finnish terms inflected.
  A vacancy asks for an occupation's typical skills, its licence, a municipality; its true fits are the job
  seekers of that occupation (or its ISCO unit group) holding the licence. precision@5 and recall@10 of
  ``matching.rank`` against a plain keyword baseline (shared words of the vacancy's text and the CV, as a search
  box would rank them).
* ``latency``: the engine scoring and ranking one vacancy against the Kuopio area's ~16 000 job seekers, and one
  job seeker against 5 000 vacancies (p50/p95 over repeated runs; goal p95 < 300 ms). The specifications are
  built beforehand, as ``selectors`` builds them from the database; the database read is not included.

Usage: python benchmarks/matching_quality.py [--seekers 16000] [--vacancies 5000] [--repeats 20] [--seed 17]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import resource
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "polku.settings")

import django

django.setup()

from polku.employer_services import matching  # noqa: E402
from polku.employer_services.esco import catalogue  # noqa: E402
from polku.employer_services.extraction import extract  # noqa: E402

HERE = Path(__file__).resolve().parent
KUOPIO_AREA = ["297", "204", "239", "402", "686", "687", "749", "778", "844", "857", "921"]  # the Kuopio area (reference data)
LICENCE_OF = {"8344": "forklift_training", "8331": "driving_d", "8322": "driving_b", "5120": "hygiene_passport",
              "9412": "hygiene_passport", "5131": "alcohol_passport", "5414": "security_guard_card",
              "7411": "electrical_safety", "7212": "hot_work_card", "7115": "occupational_safety_card",
              "7112": "occupational_safety_card", "7122": "occupational_safety_card", "7126": "occupational_safety_card"}
SUFFIXES = ["a", "ä", "n", "lla", "ssa", "ja", "i", "en"]


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def words(text: str) -> set[str]:
    return {w for w in re.findall(r"\w+", text.lower()) if len(w) > 3}


# --- extraction ----------------------------------------------------------------------------------------------------


def evaluate_extraction() -> dict[str, Any]:
    table = catalogue()
    by_label = {c.labels["en"]: c.code for c in table.skills.values()}
    snippets = json.loads((HERE / "data" / "skill_snippets.json").read_text("utf-8"))["snippets"]
    totals: dict[str, list[int]] = {"all": [0, 0, 0], "fi": [0, 0, 0], "sv": [0, 0, 0]}
    for snippet in snippets:
        wanted = {by_label[label] for label in snippet["skills"]}
        got = {s.concept.code for s in extract(snippet["text"]) if not s.negated and s.concept.kind in ("skill", "language")}
        for key in ("all", snippet["lang"]):
            totals[key][0] += len(wanted & got)
            totals[key][1] += len(got - wanted)
            totals[key][2] += len(wanted - got)
    started = time.perf_counter()
    done = 0
    while time.perf_counter() - started < 2.0:
        for snippet in snippets:
            extract(snippet["text"])
        done += len(snippets)
    elapsed = time.perf_counter() - started

    def pr(tp: int, fp: int, fn: int) -> dict[str, float]:
        return {"precision": round(tp / (tp + fp), 3) if tp + fp else 0.0, "recall": round(tp / (tp + fn), 3)}

    return {"bench": "matching_extraction", "snippets": len(snippets),
            "finnish": sum(1 for s in snippets if s["lang"] == "fi"), "swedish": sum(1 for s in snippets if s["lang"] == "sv"),
            **pr(*totals["all"]), "fi": pr(*totals["fi"]), "sv": pr(*totals["sv"]),
            "snippets_per_second": round(done / elapsed, 1), "wall_s": round(elapsed, 2), "peak_mb": round(peak_mb(), 1)}


# --- simulated population -------------------------------------------------------------------------------------------


def simulate(rng: random.Random, seekers: int, vacancies: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    table = catalogue()
    occupations = list(table.occupations.values())
    all_skills = [c.code for c in table.skills.values() if c.kind == "skill"]
    people = []
    for index in range(seekers):
        occupation = rng.choice(occupations)
        typical = list(occupation.typical_skills)
        skills = {s for s in typical if rng.random() < 0.8} | set(rng.sample(all_skills, 2))
        licence = LICENCE_OF.get(occupation.isco)
        licences = {licence} if licence and rng.random() < 0.8 else set()
        if rng.random() < 0.5:
            licences.add("driving_b")
        home = rng.choice(KUOPIO_AREA)
        spec = matching.ProfileSpec(
            key=index, occupations=((occupation.code, occupation.isco),) if rng.random() < 0.6 else (),
            skills=frozenset(skills), education_level=rng.choice([2, 3, 3, 3, 5, 6]), licences=frozenset(licences),
            languages={"fi": 7}, home_municipality=home, acceptable_municipalities=frozenset(KUOPIO_AREA),
            hours_preference=rng.choice(["any", "any", "full_time", "part_time"]))
        cv = []
        for code in skills:
            terms = [t for t in table.skills[code].terms["fi"] if " " not in t] or [table.skills[code].labels["fi"]]
            term = rng.choice(terms)
            cv.append(term[:-1] + rng.choice(SUFFIXES) if term.endswith("*") else term)
        people.append({"spec": spec, "isco": occupation.isco, "occupation": occupation.code, "licences": licences,
                       "cv": "Osaamiseni: " + ", ".join(cv) + "."})
    jobs = []
    for index in range(vacancies):
        occupation = rng.choice(occupations)
        typical = list(occupation.typical_skills)
        required = frozenset(rng.sample(typical, min(2, len(typical))))
        wished = frozenset(set(typical) - required)
        licence = LICENCE_OF.get(occupation.isco)
        job = matching.VacancySpec(key=index, required_skills=required, wished_skills=wished,
                                    occupation=occupation.code, isco=occupation.isco,
                                    licences=frozenset({licence}) if licence else frozenset(), languages=(("fi", 4),),
                                    municipality=rng.choice(KUOPIO_AREA), hours="full_time")
        text = " ".join([occupation.labels["fi"], *(table.skills[c].labels["fi"] for c in required | wished)])
        jobs.append({"spec": job, "isco": occupation.isco, "licence": licence, "text": text})
    return people, jobs


def true_fits(job: dict[str, Any], people: list[dict[str, Any]]) -> set[int]:
    return {p["spec"].key for p in people
            if p["isco"] == job["isco"] and (job["licence"] is None or job["licence"] in p["licences"])}


def evaluate_ranking(rng: random.Random) -> dict[str, Any]:
    people, jobs = simulate(rng, 600, 80)
    scores: dict[str, list[float]] = {"p5": [], "r10": [], "kw_p5": [], "kw_r10": []}
    cv_words = {p["spec"].key: words(p["cv"]) for p in people}
    for job in jobs:
        relevant = true_fits(job, people)
        if not relevant:
            continue
        ranked = [m.profile for m in matching.rank(matching.score(job["spec"], p["spec"]) for p in people)]
        wanted = words(job["text"])
        keyword = sorted(people, key=lambda p: (-len(wanted & cv_words[p["spec"].key]), p["spec"].key))
        keyword_ranked = [p["spec"].key for p in keyword]
        for prefix, order in (("", ranked), ("kw_", keyword_ranked)):
            scores[prefix + "p5"].append(len(set(order[:5]) & relevant) / 5)
            scores[prefix + "r10"].append(len(set(order[:10]) & relevant) / len(relevant))
    result = {key: round(statistics.mean(values), 3) for key, values in scores.items()}
    return {"bench": "matching_ranking", "job_seekers": len(people), "vacancies": len(scores["p5"]),
            "precision_at_5": result["p5"], "recall_at_10": result["r10"],
            "baseline_keyword_precision_at_5": result["kw_p5"], "baseline_keyword_recall_at_10": result["kw_r10"],
            "ratio_precision_at_5_to_baseline": round(result["p5"] / result["kw_p5"], 2) if result["kw_p5"] else None,
            "ratio_recall_at_10_to_baseline": round(result["r10"] / result["kw_r10"], 2) if result["kw_r10"] else None,
            "peak_mb": round(peak_mb(), 1)}


def percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {"p50_ms": round(statistics.median(ordered) * 1000, 1),
            "p95_ms": round(ordered[max(0, round(0.95 * len(ordered)) - 1)] * 1000, 1)}


def evaluate_latency(rng: random.Random, seekers: int, vacancies: int, repeats: int) -> dict[str, Any]:
    people, jobs = simulate(rng, seekers, vacancies)
    profiles = [p["spec"] for p in people]
    one_vacancy = []
    for job in jobs[:repeats]:
        started = time.perf_counter()
        ranked = matching.best_candidates(job["spec"], profiles, 20)
        matching.placed_below_for_licence(ranked)
        one_vacancy.append(time.perf_counter() - started)
    specs = [j["spec"] for j in jobs]
    one_seeker = []
    for person in profiles[:repeats]:
        started = time.perf_counter()
        matching.best_vacancies(person, specs, 20)
        one_seeker.append(time.perf_counter() - started)
    vacancy_figures, seeker_figures = percentiles(one_vacancy), percentiles(one_seeker)
    return {"bench": "matching_latency", "job_seekers": seekers, "vacancies": vacancies, "repeats": repeats,
            "one_vacancy_vs_job_seekers": vacancy_figures, "one_job_seeker_vs_vacancies": seeker_figures,
            "goal_p95_ms": 300,
            "ratio_to_goal": round(max(vacancy_figures["p95_ms"], seeker_figures["p95_ms"]) / 300, 2),
            "peak_mb": round(peak_mb(), 1)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seekers", type=int, default=16000)
    parser.add_argument("--vacancies", type=int, default=5000)
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--seed", type=int, default=17)
    args, _ = parser.parse_known_args()
    started = time.perf_counter()
    rng = random.Random(args.seed)  # noqa: S311 - a reproducible simulation, not a secret
    extraction = evaluate_extraction()
    print(json.dumps(extraction), flush=True)
    ranking = evaluate_ranking(rng)
    print(json.dumps(ranking), flush=True)
    latency = evaluate_latency(rng, args.seekers, args.vacancies, args.repeats)
    print(json.dumps(latency), flush=True)
    print(json.dumps({"bench": "matching", "wall_s": round(time.perf_counter() - started, 1), "peak_mb": round(peak_mb(), 1),
                      "ratio": ranking["ratio_precision_at_5_to_baseline"],
                      "ratio_means": "precision@5 of matching / precision@5 of the keyword baseline"}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
