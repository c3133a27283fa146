"""The follow-up rules of employer services (``data/offer_rules.json``): how long a job seeker has to answer an
offer, when its outcome is due, when an employer counts as not contacted, how early an ending subsidy is listed,
how long after a wage subsidy ends a placement is looked at.
None of them is statutory; the file says so and the pages mark them unverified."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path


@dataclass(frozen=True)
class FollowUpRules:
    respond_within_days: int
    outcome_follow_up_days: int
    not_contacted_months: int
    subsidy_ending_within_days: int
    placement_follow_up_days: int  # how long after a wage subsidy ends the person's status is looked at
    verified: bool
    note: str


@cache
def follow_up_rules() -> FollowUpRules:
    data = json.loads((Path(__file__).resolve().parent / "data" / "offer_rules.json").read_text("utf-8"))
    return FollowUpRules(respond_within_days=int(data["respond_within_days"]),
                         outcome_follow_up_days=int(data["outcome_follow_up_days"]),
                         not_contacted_months=int(data["not_contacted_months"]),
                         subsidy_ending_within_days=int(data["subsidy_ending_within_days"]),
                         placement_follow_up_days=int(data.get("placement_follow_up_days", 90)),
                         verified=bool(data["verified"]), note=data["verification_note"])
