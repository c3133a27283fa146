"""Complementary suppression (issue 19): no suppressed figure can be derived by subtraction from what is shown.

Property tests: for random tables, for every group of cells whose total the reader can see (shown beside them or
by another query), either no cell or at least two cells are hidden, or the total is hidden too — in the generic
rule, and in each place that applies it: the municipal share's tables, the share breakdown API's rows, the
indicators by dimension and by municipality, and the forecast impact's services.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from polku.core import suppression
from polku.core.suppression import Group

K = 5
counts = st.integers(min_value=0, max_value=40)


def derivable(hidden: set[Any], groups: list[Group]) -> list[Group]:
    """Groups whose equation total = Σ cells hides exactly one figure: the others give it (a total shown elsewhere is
    known)."""
    return [g for g in groups
            if sum(m in hidden for m in g.members) + (g.total is not None and g.total in hidden) == 1]


@st.composite
def tables(draw: Any) -> tuple[dict[Any, int], list[Group]]:
    """A two-way table (rows × columns) with row totals, column totals and a grand total, all visible cells."""
    rows, columns = draw(st.integers(1, 5)), draw(st.integers(1, 5))
    values: dict[Any, int] = {(r, c): draw(counts) for r in range(rows) for c in range(columns)}
    for r in range(rows):
        values[(r, "total")] = sum(values[(r, c)] for c in range(columns))
    for c in range(columns):
        values[("total", c)] = sum(values[(r, c)] for r in range(rows))
    values[("total", "total")] = sum(values[(r, "total")] for r in range(rows))
    groups = [suppression.group([(r, c) for c in range(columns)], (r, "total")) for r in range(rows)]
    groups += [suppression.group([(r, c) for r in range(rows)], ("total", c)) for c in range(columns)]
    groups.append(suppression.group([(r, "total") for r in range(rows)], ("total", "total")))
    groups.append(suppression.group([("total", c) for c in range(columns)], ("total", "total")))
    return values, groups


@settings(max_examples=300, deadline=None)
@given(tables())
def test_no_hidden_cell_of_a_table_can_be_derived(table: tuple[dict[Any, int], list[Group]]) -> None:
    values, groups = table
    primary = suppression.primary_small(values, K)
    hidden = suppression.complement(values, primary, groups)
    assert primary <= hidden
    assert derivable(hidden, groups) == []
    assert suppression.check(hidden, groups) == []


@settings(max_examples=200, deadline=None)
@given(st.lists(counts, min_size=1, max_size=8))
def test_a_breakdown_with_a_total_shown_elsewhere(values_list: list[int]) -> None:
    values = dict(enumerate(values_list))
    groups = [suppression.group(values)]  # the total comes from another query: it cannot be hidden here
    hidden = suppression.complement(values, suppression.primary_small(values, K), groups)
    assert derivable(hidden, groups) == [] or len(values) == 1  # a lone cell *is* its total: shown there as small


def test_a_hidden_total_whose_cells_are_all_shown_is_no_protection() -> None:
    """Found by the open-data property test: an area's "ended, to work" total was hidden to protect its small
    complement ("ended, other" = 1), but every municipality's "to work" was shown, so their sum gave the total back
    and the small cell with it. The equation total = Σ cells must hold no hidden cell or at least two."""
    values = {"ku1": 0, "ku2": 0, "ku4": 6, "area": 6}
    hidden = suppression.complement(values, {"area"}, [suppression.group(["ku1", "ku2", "ku4"], "area")])
    assert hidden == {"area", "ku4"}
    assert suppression.check({"area"}, [suppression.group(["ku1", "ku2", "ku4"], "area")]) != []


def test_the_next_smallest_cell_is_hidden_not_a_big_one() -> None:
    values = {"a": 2, "b": 7, "c": 30, "total": 39}
    hidden = suppression.complement(values, {"a"}, [suppression.group(["a", "b", "c"], "total")])
    assert hidden == {"a", "b"}
    zero_first = {"a": 2, "z": 0, "b": 7, "total": 9}
    assert suppression.complement(zero_first, {"a"}, [suppression.group(["a", "z", "b"], "total")]) == {"a", "b"}
    alone = {"a": 3, "total": 3}
    assert suppression.complement(alone, {"a"}, [suppression.group(["a"], "total")]) == {"a", "total"}


# --- the municipal share's tables ------------------------------------------------------------------------------


@st.composite
def variants(draw: Any) -> Any:
    from polku.municipal_share.presenters import IN_FORCE, Figures, VariantSummary

    years = draw(st.sampled_from([[2024], [2024, 2025]]))
    months = [date(y, m, 1) for y in years for m in range(1, 13)]

    def figures() -> Figures:
        return Figures(persons=draw(counts), municipal_eur=Decimal(draw(st.integers(0, 10_000))))

    benefits = draw(st.lists(st.sampled_from(["labour_market_subsidy", "basic_allowance",
                                              "earnings_related_allowance"]), min_size=1, max_size=3, unique=True))
    return VariantSummary(variant=IN_FORCE, by_month={m: figures() for m in months}, in_force_rule={},
                          by_year={y: figures() for y in years}, by_benefit={b: figures() for b in benefits},
                          by_age={g: figures() for g in ("alle 25", "25–54", "55+")}, total=figures())


@settings(max_examples=200, deadline=None)
@given(variants())
def test_municipal_share_tables_hide_no_derivable_count(variant: Any) -> None:
    from polku.municipal_share.presenters import SMALL_CELL, person_cells, share_groups

    cells = person_cells(variant, suppress=True)
    groups = share_groups(variant)
    assert derivable(set(cells.hidden), groups) == []
    for cell, value in cells.values.items():
        shown = cells.shown(cell)
        if 0 < value < SMALL_CELL:
            assert shown == f"< {SMALL_CELL}"
        elif cell in cells.hidden:
            assert shown == suppression.SECONDARY_MARK
        else:
            assert shown == value
    open_cells = person_cells(variant, suppress=False)
    assert all(open_cells.shown(c) == v for c, v in open_cells.values.items())


# --- the breakdown API's rows ------------------------------------------------------------------------------------


@st.composite
def breakdown_rows(draw: Any) -> tuple[list[Any], list[str]]:
    from polku.municipal_share.breakdowns import BreakdownRow

    by = draw(st.sampled_from([["municipality"], ["municipality", "age_group"], ["area", "team", "benefit_type"]]))
    sizes = {"municipality": ["297", "749", "686"], "age_group": ["alle 25", "25–54", "55+"], "area": ["kuopio"],
             "team": ["A", "B", "—"], "benefit_type": ["labour_market_subsidy", "basic_allowance"]}
    keys = draw(st.lists(st.tuples(*(st.sampled_from(sizes[d]) for d in by)), min_size=1, max_size=18, unique=True))
    rows = [BreakdownRow(keys=dict(zip(by, key, strict=True)), billed_persons=draw(counts), paid_days=0,
                         counted_days=0, paid_eur="0", municipal_eur="0", state_eur="0") for key in keys]
    return rows, by


@settings(max_examples=200, deadline=None)
@given(breakdown_rows())
def test_breakdown_rows_left_out_cannot_be_recovered(data: tuple[list[Any], list[str]]) -> None:
    from polku.municipal_share.breakdowns import dimension_groups, shown_rows

    rows, by = data
    keyed = {tuple(r.keys[d] for d in by): r for r in rows}
    shown = {tuple(r.keys[d] for d in by) for r in shown_rows(rows, by, K)}
    hidden = set(keyed) - shown
    assert {k for k, r in keyed.items() if 0 < r.billed_persons < K} <= hidden
    groups = [g for g in dimension_groups(list(keyed), by) if len(g.members) > 1]
    assert derivable(hidden, groups) == []


# --- indicators by dimension and by municipality ------------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 3), st.integers(1, 4), st.integers(1, 4), st.data())
def test_indicator_cells_hidden_by_dimension_cannot_be_recovered(periods: int, scopes: int, groups: int,
                                                                  data: Any) -> None:
    from polku.kpi.engine import IndicatorValue, _complement

    keys = [(f"2025-{p + 1:02d}", f"s{s}", f"g{g}") for p in range(periods) for s in range(scopes) for g in range(groups)]
    sizes = {key: data.draw(counts) for key in keys}
    def cell(p: str, s: str, g: str) -> IndicatorValue:
        small = 0 < sizes[(p, s, g)] < K  # as the engine hides a small cell itself
        shown = None if small else Decimal(sizes[(p, s, g)])
        return IndicatorValue(indicator="x", version=1, period=p, scope=s, group=g, numerator=shown, denominator=None,
                              value=shown, months=1, suppressed=small)

    values = [cell(*key) for key in keys]
    result = _complement(values, sizes, scopes=[f"s{s}" for s in range(scopes)], groups=[f"g{g}" for g in range(groups)])
    hidden = {(v.period, v.scope, v.group) for v in result if v.suppressed}
    assert all(v.value is None and v.numerator is None for v in result if v.suppressed)
    cell_groups = []
    for p in range(periods):
        period = f"2025-{p + 1:02d}"
        if groups > 1:
            cell_groups += [suppression.group([(period, f"s{s}", f"g{g}") for g in range(groups)]) for s in range(scopes)]
        if scopes > 1:
            cell_groups += [suppression.group([(period, f"s{s}", f"g{g}") for s in range(scopes)]) for g in range(groups)]
    assert derivable(hidden, cell_groups) == []


# --- the forecast impact's services ---------------------------------------------------------------------------------


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(counts, counts), min_size=1, max_size=6))
def test_impact_services_left_out_cannot_be_recovered_from_the_overall(services: list[tuple[int, int]]) -> None:
    from dataclasses import replace

    from polku.forecast.impact import Impact, ServiceImpact, for_aggregate_roles

    def service(code: str, participants: int, comparison: int) -> ServiceImpact:
        figures = type("F", (), {"participants": participants})()
        return ServiceImpact(service_type=code, figures=figures, net_interval=None, ratio_interval=None,  # type: ignore[arg-type]
                             work_interval=None, comparison_people=comparison)  # type: ignore[arg-type]

    items = [service(f"s{i}", p, c) for i, (p, c) in enumerate(services)]
    overall = service("all", sum(p for p, _ in services), min(c for _, c in services))
    impact = Impact.__new__(Impact)
    fields = dict.fromkeys(Impact.__dataclass_fields__)
    impact = replace(Impact(**{**fields, "services": items, "overall": overall, "notes": []}))  # type: ignore[arg-type]
    shown = for_aggregate_roles(impact, K)
    hidden = {s.service_type for s in items} - {s.service_type for s in shown.services}
    assert {s.service_type for s in items if s.figures.participants < K or s.comparison_people < K} <= hidden
    if shown.overall is not None:
        assert len(hidden) != 1
