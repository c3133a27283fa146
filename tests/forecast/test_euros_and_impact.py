"""The municipal share € of the projection and the economic impact: hand-computed € of a person-month under each
rule, the calibration on a hand-built history, scenarios that must move the € the right way (with hypothesis
invariants on the deterministic mean path), and the impact arithmetic on a tiny hand-built case."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from polku.core.errors import ValidationFailed
from polku.forecast.duration import MAX_CLASS, DurationModel, GroupModel, InitialState
from polku.forecast.history import AGE_GROUPS, History, Run, ServiceSpell
from polku.forecast.impact import SERVICE as IN_SERVICE
from polku.forecast.impact import UNEMPLOYED, WORK, Parameters, Profiles, claim_target, estimate
from polku.forecast.projection import Scenario, extra_service_rate_for_activation, project
from polku.forecast.share_euros import AVERAGE_WEEKDAYS, RuleEuros, ShareEuros, calibrate, share_history, structural_euros
from polku.municipal_share.rules import shipped_rule_book

OLD, NEW = "tmt-2015", "tyottomyysetuudet-2025"


def test_structural_euros_by_hand() -> None:
    """21 days of labour-market subsidy a month at 37.21 €, no earlier days; month d has 21·d counted days before it.

    2015 rule (steps from the next payment period): class 14 starts at 294 days → 0 €; class 15 starts at 315 →
    50 %: 21 × 37.21 × 0.5 = 390.705 → 390.71 €. 2025 rule (steps by the day, unverified percentages): class 4 holds
    days 85–105, five of them at 10 %: 5 × 3.721 = 18.605 → 18.61 €; class 5 days 106–126 all at 10 % → 78.14 €;
    class 9 days 190–210: 11 at 10 % and 10 at 20 % → (1.1 + 2.0) × 37.21 = 115.351 → 115.35 €.
    """
    book = shipped_rule_book()
    old = structural_euros(book, OLD, year=2024)
    new = structural_euros(book, NEW, year=2024)
    assert old[0] == old[14] == 0
    assert old[15] == pytest.approx(390.71)
    assert new[3] == 0
    assert new[4] == pytest.approx(18.61)
    assert new[5] == pytest.approx(78.14)
    assert new[9] == pytest.approx(115.35)
    # Service days: not counted nor billed under the 2015 rule; counted and billed under the 2025 rule.
    assert structural_euros(book, OLD, year=2024, basis="service")[20] == 0
    assert structural_euros(book, NEW, year=2024, basis="service")[5] == pytest.approx(78.14)


def _hand_history() -> History:
    """A: unemployed from 2.1.2024 (class 0 on 31.1., class 1 on 29.2.); B: from 1.12.2023 (class 1, then 2);
    C: in a service from 10.1.2024."""
    runs = [Run(date(2024, 1, 2), None, "25-49", None, person="A"), Run(date(2023, 12, 1), None, "25-49", None, person="B")]
    services = [ServiceSpell(date(2024, 1, 10), None, "25-49", False, person="C", service_type="coaching")]
    return History(runs=runs, services=services, first_day=date(2023, 1, 1), last_day=date(2024, 2, 29))


def test_calibration_by_hand() -> None:
    """€ per person-month by class, per service month and the flow factor, with January's 23 and February's 21
    weekdays brought to an average month of 21.75."""
    jan, feb = date(2024, 1, 1), date(2024, 2, 1)
    rows = [(OLD, "A", jan, "labour_market_subsidy", 100.0), (OLD, "A", feb, "labour_market_subsidy", 120.0),
            (OLD, "B", jan, "labour_market_subsidy", 200.0), (OLD, "C", jan, "labour_market_subsidy", 50.0),
            (OLD, "D", jan, "basic_allowance", 30.0)]  # D is not in the stock: the flow
    share = share_history(_hand_history(), rows, jan, feb)
    assert share.stock[jan] == {0: 1, 1: 1, -1: 1}
    assert share.total(OLD, jan) == 380.0
    mapping = calibrate(share, shipped_rule_book(), last_month=feb, min_exposure=1)
    old = mapping.rules[OLD]
    j, f = 23 / AVERAGE_WEEKDAYS, 21 / AVERAGE_WEEKDAYS
    assert mapping.exposure[:3] == [1, 2, 1]
    assert old.unemployed[0] == pytest.approx(100 / j)
    assert old.unemployed[1] == pytest.approx((200 / j + 120 / f) / 2)
    assert old.unemployed[2] == 0
    assert old.service == pytest.approx(50 / j / 2)
    stock = 350 / j + 120 / f
    assert old.flow_factor == pytest.approx((stock + 30 / j) / stock)
    assert mapping.rules[NEW].unemployed == [0.0] * (MAX_CLASS + 1)  # no rows under the new rule
    assert mapping.rules[NEW].verified is False
    assert mapping.month_factor(date(2026, 3, 1)) == pytest.approx(22 / AVERAGE_WEEKDAYS)  # 2026: same basic amount


def _model(hazard: list[float], inflow: float = 40.0, work_share: float = 1.0) -> DurationModel:
    shares = [{"work": work_share, "service": 1 - work_share, "study": 0.0, "outside": 0.0, "other": 0.0}] * (MAX_CLASS + 1)
    group = GroupModel(hazard=hazard, destination_share=shares, inflow=[inflow] * 12, service_exit=0.3,
                       service_return=0.5, service_entry_other=0.0, exposure=[100] * (MAX_CLASS + 1))
    start = [int(inflow * 0.8 ** d) for d in range(MAX_CLASS + 1)]
    initial = InitialState(unemployed={g: start for g, _, _ in AGE_GROUPS}, services={g: 10 for g, _, _ in AGE_GROUPS})
    return DurationModel(groups={g: group for g, _, _ in AGE_GROUPS}, fitted_from=date(2020, 1, 31),
                         fitted_to=date(2025, 12, 31), runs=1000, initial=initial)


def _euros(by_class: list[float], service: float = 50.0) -> ShareEuros:
    rules = {code: RuleEuros(code=code, names={"fi": code}, verified=code == OLD, unemployed=by_class,
                             service=service if code == NEW else 0.0, flow_factor=1.1, by_benefit={})
             for code in (OLD, NEW)}
    book = shipped_rule_book()
    return ShareEuros(rules=rules, first_month=date(2024, 1, 1), last_month=date(2025, 12, 1), exposure=[1] * 25,
                      service_exposure=1, base_year=2025, basic_daily={2025: 37.21, 2026: 37.21},
                      in_force=[(r.valid_from, r.valid_to, r.code) for r in book.rule_sets])


RISING = [10.0 * d for d in range(MAX_CLASS + 1)]


def test_faster_exits_lower_the_municipal_share() -> None:
    """The issue's test: a scenario that raises exits lowers the municipal share, under both rules (Monte Carlo)."""
    model, euros = _model([0.2] * (MAX_CLASS + 1)), _euros(RISING)
    base = project(model, horizon=12, paths=300, seed=7, euros=euros)
    faster = project(model, horizon=12, paths=300, seed=7, euros=euros,
                     scenario=Scenario(first_months_exit_factor=1.8))
    for code in (OLD, NEW):
        assert faster.year_total(code) < base.year_total(code)
        band = base.euros[code]
        assert all(lo <= m <= hi for lo, m, hi in zip(band.p10, band.mean, band.p90, strict=True))
    body = base.as_dict()
    assert body["municipal_eur"][NEW]["verified"] is False
    assert body["municipal_eur"][NEW]["unverified_note"] == "vahvistamaton / unverified"
    assert body["municipal_eur_rule_in_force"][0] == NEW  # projected months are 2026


@settings(max_examples=40, deadline=None)
@given(hazard=st.lists(st.floats(0.0, 0.9), min_size=MAX_CLASS + 1, max_size=MAX_CLASS + 1),
       prices=st.lists(st.floats(0.0, 2000.0), min_size=MAX_CLASS + 1, max_size=MAX_CLASS + 1),
       low=st.floats(0.0, 3.0), more=st.floats(0.0, 2.0))
def test_share_never_negative_and_more_exits_to_work_never_raise_it(hazard: list[float], prices: list[float],
                                                                   low: float, more: float) -> None:
    """On the mean path: € ≥ 0 every month, and a higher exit factor (exits to work) never raises any month's €."""
    model, euros = _model(hazard), _euros(prices)
    slow = project(model, horizon=12, expected=True, euros=euros, scenario=Scenario(first_months_exit_factor=low))
    fast = project(model, horizon=12, expected=True, euros=euros,
                   scenario=Scenario(first_months_exit_factor=low + more))
    for code in (OLD, NEW):
        assert min(slow.euros[code].mean) >= 0
        assert all(f <= s + 1e-6 for f, s in zip(fast.euros[code].mean, slow.euros[code].mean, strict=True))


def test_activation_target_lever() -> None:
    """The extra service starts found for a target reach it on the mean path; an unreachable target gives None."""
    model = _model([0.15] * (MAX_CLASS + 1))
    base = project(model, horizon=12, expected=True).series["activation_rate"].mean[-1]
    extra = extra_service_rate_for_activation(model, base + 10, month=12)
    assert extra is not None
    assert extra > 0
    reached = project(model, horizon=12, expected=True, scenario=Scenario(extra_service_rate=extra))
    assert reached.series["activation_rate"].mean[-1] == pytest.approx(base + 10, abs=0.05)
    assert extra_service_rate_for_activation(model, 99.9, month=1) is None
    assert claim_target(20.0) == 40.0
    assert claim_target(41.5) == pytest.approx(56.5)
    with pytest.raises(ValidationFailed) as refused:
        project(model, scenario=Scenario(extra_service_rate=0.9))
    assert refused.value.errors[0].field == "extra_service_rate"


def _profiles() -> Profiles:
    """Two coaching participants in class 3, age 25–49, followed two months: both in the service in month 1 and in
    work in month 2. The comparison cell: X unemployed then in work, Y unemployed both months."""
    def states(*codes: int | None) -> np.ndarray:
        out = np.zeros((len(codes), 3), dtype=np.int8)
        for m, code in enumerate(codes):
            if code is not None:
                out[m, code] = 1
        return out
    observed = np.stack([states(IN_SERVICE, WORK), states(IN_SERVICE, WORK)])
    comparison = {(3, "25-49"): np.stack([states(UNEMPLOYED, WORK), states(UNEMPLOYED, UNEMPLOYED)])}
    return Profiles(service_type=["coaching", "coaching"], cell=[(3, "25-49"), (3, "25-49")], observed=observed,
                    service_months=np.array([1.0, 1.0]), comparison=comparison, follow_up=2,
                    first_start=date(2024, 1, 10), last_start=date(2024, 2, 5))


def test_impact_arithmetic_by_hand() -> None:
    """Per participant: work 1 − 0.5 = 0.5 months gained → tax 0.5 × 2 000 × 10 % = 100 €, social assistance
    0.5 × 50 = 25 €; share: the comparison was unemployed 1.5 months (× 100 €) and never in a service, the participant
    0 and 1 month (× 40 €): 150 − 40 = 110 €; cost 1 month × 300 € → net 235 − 300 = −65 €, ratio 235/300."""
    euros = replace(_euros([100.0] * (MAX_CLASS + 1), service=40.0))
    euros = replace(euros, rules={NEW: replace(euros.rules[NEW], flow_factor=1.0)})
    parameters = Parameters(tax_rate=10.0, monthly_wage=2000.0, taxable_share=1.0, social_assistance_saving=50.0,
                            service_cost={"coaching": 300.0}, follow_up=2)
    result = estimate(_profiles(), euros, NEW, parameters, bootstrap=50)
    coaching = result.services[0]
    f = coaching.figures
    assert (f.participants, f.work_months_gained) == (2, pytest.approx(0.5))
    assert (f.tax, f.social_assistance, f.share_saving, f.cost) == (pytest.approx(100), pytest.approx(25),
                                                                   pytest.approx(110), pytest.approx(300))
    assert f.net == pytest.approx(-65)
    assert f.ratio == pytest.approx(235 / 300)
    assert coaching.net_interval.low is not None
    assert coaching.net_interval.high is not None
    assert coaching.net_interval.low <= f.net <= coaching.net_interval.high
    assert result.overall is not None
    assert result.overall.figures.net == pytest.approx(-65)
    assert result.rule_verified is False
    with pytest.raises(ValidationFailed) as refused:
        estimate(_profiles(), euros, NEW, replace(parameters, service_cost={"coaching": -1.0, "nope": 5.0}))
    assert {e.field for e in refused.value.errors} == {"cost_coaching", "service_type"}
    with pytest.raises(ValidationFailed) as refused:
        estimate(_profiles(), euros, NEW, replace(parameters, follow_up=6))
    assert [e.field for e in refused.value.errors] == ["follow_up"]
    with pytest.raises(ValidationFailed) as refused:
        estimate(_profiles(), euros, NEW, parameters, only="juggling")
    assert [e.field for e in refused.value.errors] == ["service_type"]


def test_parameters_from_the_data_file() -> None:
    defaults = Parameters.for_area({"765", "297"})
    assert defaults.tax_rate == 7.5  # the unverified default: no per-municipality rates shipped
    assert defaults.service_cost["work_trial"] == 189.0
    changed = defaults.with_overrides({"tax_rate": 8.0, "cost_coaching": 900.0, "monthly_wage": None})
    assert (changed.tax_rate, changed.service_cost["coaching"], changed.monthly_wage) == (8.0, 900.0, 2500.0)
    overridden = Parameters.for_area({"765"}, data={**_data(), "municipal_tax_rate": {
        "default": 7.5, "by_municipality": {"765": 8.5}}})
    assert overridden.tax_rate == 8.5


def _data() -> dict:
    from polku.forecast.impact import shipped_parameters

    return dict(shipped_parameters())
