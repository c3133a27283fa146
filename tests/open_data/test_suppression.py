"""No suppressed figure of an open table can be derived from what it publishes (property test, issue 16).

Random populations are drawn as *atoms*: disjoint groups of persons per municipality and month (unemployed long-term
youth, unemployed short-term adults, in services …). Every measure the table's indicators rest on is a union of
atoms, and the table is assembled from them exactly as from the database (``cube.assemble_cube``). The test then
plays the reader: it starts from every measure a published figure reveals (a published ratio counts as revealing
both its numerator and denominator), and derives whatever it can by subtraction, with every sum the atoms imply —
found here independently of the table's declared identities: an area is the sum of its municipalities, and any
measure whose atoms are the disjoint union of two others' is their sum. Nothing derived may be a small cell
(1 … k−1 persons), and nothing published may rest on one.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from itertools import permutations
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from polku.kpi.definitions import shipped_definitions
from polku.open_data import cube as cube_module
from polku.open_data.cube import CONFIDENTIAL, Region, counted
from polku.open_data.tables import BY_SLUG, OpenTable

K = 5
MONTHS = [date(2024, 1, 1), date(2024, 2, 1)]
AREA_MEMBERS = ("001", "002", "003", "004")
# Atoms of each table and, per measure reference, the atoms it counts.
STOCK_ATOMS = ("u_lt_y", "u_lt_a", "u_st_y", "u_st_a", "s_y", "s_a")
EVENT_ATOMS = ("end_work", "end_other", "began_over3", "began_within3")
ATOMS_OF: dict[str, dict[str, set[str]]] = {
    "tyonhakijat": {
        "unemployed_jobseekers.numerator": {"u_lt_y", "u_lt_a", "u_st_y", "u_st_a"},
        "long_term_unemployed.numerator": {"u_lt_y", "u_lt_a"},
        "youth_unemployed.numerator": {"u_lt_y", "u_st_y"},
        "persons_in_services.numerator": {"s_y", "s_a"},
        "activation_rate.numerator": {"s_y", "s_a"},
        "activation_rate.denominator": {"u_lt_y", "u_lt_a", "u_st_y", "u_st_a", "s_y", "s_a"},
        "unemployed_share_of_labour_force.numerator": {"u_lt_y", "u_lt_a", "u_st_y", "u_st_a"},
        "implied:long_term=False": {"u_st_y", "u_st_a"},
        "implied:under_25=False": {"u_lt_a", "u_st_a"},
    },
    "tyonhaut": {
        "job_searches_ended.numerator": {"end_work", "end_other"},
        "job_searches_ended_to_work_or_study.numerator": {"end_work"},
        "flow_into_over_3_months.numerator": {"began_over3"},
        "flow_into_over_3_months.denominator": {"began_over3", "began_within3"},
        "implied:not in": {"end_other"},
        "implied:within_3_months": {"began_within3"},
    },
}


def regions() -> list[Region]:
    area = Region("AREA", {"fi": "Alue"}, "area", tuple((m, date.min, None) for m in AREA_MEMBERS))
    alone = Region("KU009", {"fi": "Yksin"}, "municipality", (("009", date.min, None),))  # in no area
    return [area, *(Region(f"KU{m}", {"fi": m}, "municipality", ((m, date.min, None),)) for m in AREA_MEMBERS), alone]


def measure_atoms(table: OpenTable) -> dict[str, set[str]]:
    """Measure key → atoms, the implied measures recognised by a fragment of their key."""
    definitions = {code: shipped_definitions().get(code) for code in table.indicators}
    out: dict[str, set[str]] = {}
    for ref, atoms in ATOMS_OF[table.slug].items():
        if not ref.startswith("implied:"):
            code, side = ref.split(".")
            out[getattr(definitions[code], side).key] = atoms
    for measure in cube_module.implied_measures(table, definitions):
        fragment = next(r.removeprefix("implied:") for r in ATOMS_OF[table.slug] if r.startswith("implied:")
                        and r.removeprefix("implied:").replace("=False", "=false") in measure.key)
        out[measure.key] = ATOMS_OF[table.slug][f"implied:{fragment}"]
    return out


def population(atoms: tuple[str, ...]) -> Any:
    """Persons per (municipality, month, atom): mostly small numbers, so that suppression has work to do."""
    keys = [(m, month, a) for m in (*AREA_MEMBERS, "009") for month in MONTHS for a in atoms]
    return st.lists(st.sampled_from([0, 0, 1, 2, 3, 4, 6, 9, 20]), min_size=len(keys), max_size=len(keys)).map(
        lambda counts: dict(zip(keys, counts, strict=True)))


def check(slug: str, counts: dict[tuple[str, date, str], int]) -> None:
    table = BY_SLUG[slug]
    definitions = {code: shipped_definitions().get(code) for code in table.indicators}
    atoms_of = measure_atoms(table)
    measure_table = {(key, month, m, ""): (Decimal(n), n) for key, atoms in atoms_of.items()
                     for m in (*AREA_MEMBERS, "009") for month in MONTHS
                     if (n := sum(counts[(m, month, a)] for a in atoms))}
    region_list = regions()
    implied = cube_module.implied_measures(table, definitions)
    result = cube_module.assemble_cube(table, definitions, implied, measure_table, MONTHS, region_list)
    assert cube_module.unpack(cube_module.pack(result)) == result  # what the worker stores is what is served

    def size(key: str, region: str, month: date) -> int:
        members = AREA_MEMBERS if region == "AREA" else (region.removeprefix("KU"),)
        return sum(counts[(m, month, a)] for m in members for a in atoms_of[key])

    # What the reader sees: each measure behind a published figure.
    known = set()
    for (region, month, code), value in result.values.items():
        if value is None:
            assert result.statuses[(region, month, code)] in (CONFIDENTIAL, ".")
            continue
        for measure in counted(definitions[code]):
            n = size(measure.key, region, month)
            assert not 0 < n < K, f"{code} {region} {month} published resting on {n}"
            known.add((measure.key, region, month))
    # Every sum the atoms imply (independently of the table's declared identities).
    sums: list[tuple[Any, list[Any]]] = []
    keys = list(atoms_of)
    for month in MONTHS:
        for key in keys:
            sums.append(((key, "AREA", month), [(key, f"KU{m}", month) for m in AREA_MEMBERS]))
        for total, a, b in permutations(keys, 3):
            if a < b and not atoms_of[a] & atoms_of[b] and atoms_of[a] | atoms_of[b] == atoms_of[total]:
                sums += [((total, r.code, month), [(a, r.code, month), (b, r.code, month)]) for r in region_list]
    changed = True
    while changed:  # subtract until nothing new comes out
        changed = False
        for total, parts in sums:
            cells = [total, *parts]
            unknown = [c for c in cells if c not in known]
            if len(unknown) == 1:
                known.add(unknown[0])
                changed = True
    small = [c for c in known if 0 < size(*c) < K]
    assert small == [], f"derivable small cells: {small}"


@settings(max_examples=120, deadline=None)
@given(population(STOCK_ATOMS))
def test_job_seekers_table_hides_what_could_be_derived(counts: dict[tuple[str, date, str], int]) -> None:
    check("tyonhakijat", counts)


@settings(max_examples=120, deadline=None)
@given(population(EVENT_ATOMS))
def test_job_searches_table_hides_what_could_be_derived(counts: dict[tuple[str, date, str], int]) -> None:
    check("tyonhaut", counts)


def test_the_declared_identities_cover_every_sum_of_the_measures() -> None:
    """Each table's identities name every measure that is the sum of two others (the atoms' sums), so the
    suppression cannot miss one that the property test would find."""
    for slug in ATOMS_OF:
        table = BY_SLUG[slug]
        definitions = {code: shipped_definitions().get(code) for code in table.indicators}
        atoms_of = measure_atoms(table)
        declared = set()
        for identity in table.identities:
            total, parts = cube_module.identity_keys(identity, definitions)
            declared.add((total, frozenset(parts)))
        implied = {(t, frozenset((a, b))) for t, a, b in permutations(atoms_of, 3)
                   if not atoms_of[a] & atoms_of[b] and atoms_of[a] | atoms_of[b] == atoms_of[t]}
        assert implied <= declared, implied - declared
