"""Synthetic identities: artificial identity codes, names and UUIDs, all reproducible from a seed.

Identity codes are only ever artificial (individual number 900–999, never issued to real
people; ``polku.people.artificial``). Within a birth day and gender there are 50 such numbers
("slots": serial = 900 + 2 * slot, +1 for men, so an even number means a woman as the code
requires). Each profile owns a slot range (``Profile.identity_slots``) so that profiles loaded
into the same database never collide; when a birth day's slots are used up the person's birth
date moves to the nearest day with a free slot — harmless for synthetic people.

UUIDs (person ids, fact lineages) are drawn from the generator as version-4 UUIDs, so the
same seed gives the same ids without Python's ``uuid4`` (and much faster, vectorised).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache

import numpy as np

from polku.people import personal_id
from polku.people.artificial import artificial_personal_id
from polku.simulator import catalogue as c

SLOTS_PER_DAY = 50
_EPOCH_SHIFT = 30_000  # days before 1970 covered by the allocator (back to 1887)
_HEX = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)


class IdentityAllocator:
    """Hands out unique (birth day, serial) pairs from a profile's slot range, batch after batch."""

    def __init__(self, slots: tuple[int, int]) -> None:
        self.first_slot, self.end_slot = slots
        if not 0 <= self.first_slot < self.end_slot <= SLOTS_PER_DAY:
            raise ValueError(f"identity slots must lie within 0..{SLOTS_PER_DAY}")
        self.used = np.zeros((2, 60_000), dtype=np.int16)  # per gender (0 female, 1 male) and day

    def assign(self, birth: np.ndarray, female: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Birth dates (possibly moved by a few days) and individual numbers 900–999."""
        capacity = self.end_slot - self.first_slot
        day = birth.astype(int) + _EPOCH_SHIFT
        gender = np.where(female, 0, 1)
        slot = np.full(len(day), -1)
        pending = np.arange(len(day))
        shift = 0
        while len(pending):
            # Try the original day, then +1, -1, +2, -2, ... for those still without a slot.
            offset = (shift + 1) // 2 * (1 if shift % 2 else -1)
            trial = day[pending] + offset
            key = gender[pending] * 100_000 + trial
            order = np.argsort(key, kind="stable")
            sorted_key = key[order]
            first_of_group = np.r_[True, sorted_key[1:] != sorted_key[:-1]]
            group_start = np.maximum.accumulate(np.where(first_of_group, np.arange(len(order)), 0))
            rank = np.empty(len(order), dtype=int)
            rank[order] = np.arange(len(order)) - group_start
            taken = self.used[gender[pending], trial] + rank
            ok = taken < capacity
            chosen = pending[ok]
            slot[chosen] = taken[ok]
            day[chosen] = trial[ok]
            np.add.at(self.used, (gender[chosen], trial[ok]), 1)
            pending = pending[~ok]
            shift += 1
        serial = 900 + 2 * (self.first_slot + slot) + np.where(female, 0, 1)
        return (day - _EPOCH_SHIFT).astype("datetime64[D]"), serial


def identity_codes(birth: np.ndarray, serial: np.ndarray) -> list[str]:
    return [artificial_personal_id(b, int(s)) for b, s in zip(birth.tolist(), serial.tolist(), strict=True)]


def protect(codes: list[str]) -> tuple[list[str], list[str]]:
    """Keyed hashes and ciphertexts, as the person model stores them (never the code itself)."""
    return [personal_id.keyed_hash(code) for code in codes], [personal_id.encrypt(code) for code in codes]


@dataclass(frozen=True)
class NamePool:
    """One naming tradition of a language group: weighted given names by gender and surnames."""

    name: str
    weight: float
    second: float  # probability of a second given name
    female: tuple[np.ndarray, np.ndarray]  # (names, probabilities)
    male: tuple[np.ndarray, np.ndarray]
    last: tuple[np.ndarray, np.ndarray]


def _weighted(names: dict[str, float]) -> tuple[np.ndarray, np.ndarray]:
    weights = np.array(list(names.values()), dtype=float)
    return np.array(list(names), dtype=object), weights / weights.sum()


@cache
def name_pools() -> dict[str, list[NamePool]]:
    """Language group (fi, sv, other) -> its name pools, from ``data/names.json``."""
    with (c.DATA_DIR / "names.json").open(encoding="utf-8") as handle:
        data = json.load(handle)
    data.pop("_note", None)
    return {group: [NamePool(name=p["name"], weight=float(p["weight"]), second=float(p["second"]),
                             female=_weighted(p["female"]), male=_weighted(p["male"]), last=_weighted(p["last"]))
                    for p in pools]
            for group, pools in data.items()}


def draw_names(rng: np.random.Generator, language: np.ndarray, female: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Given names (one or two) and a surname, all from one name pool of the person's language group,
    each drawn by its weight (common names are common)."""
    n = len(language)
    first = np.empty(n, dtype=object)
    last = np.empty(n, dtype=object)
    u_second = rng.random(n)
    for code, group in enumerate(("fi", "sv", "other")):
        pools = name_pools()[group]
        members = np.nonzero(language == code)[0]
        pool_w = np.array([p.weight for p in pools])
        which = rng.choice(len(pools), size=len(members), p=pool_w / pool_w.sum())
        for k, pool in enumerate(pools):
            in_pool = members[which == k]
            for is_female, (names, prob) in ((True, pool.female), (False, pool.male)):
                mask = in_pool[female[in_pool] == is_female]
                one, two = rng.choice(names, size=len(mask), p=prob), rng.choice(names, size=len(mask), p=prob)
                both = (u_second[mask] < pool.second) & (one != two)
                first[mask] = np.where(both, one + " " + two, one)
            names, prob = pool.last
            last[in_pool] = rng.choice(names, size=len(in_pool), p=prob)
    return first, last


def random_uuids(rng: np.random.Generator, n: int) -> np.ndarray:
    """(n, 16) uint8 version-4 UUIDs."""
    raw = rng.integers(0, 256, size=(n, 16), dtype=np.uint8)
    raw[:, 6] = (raw[:, 6] & 0x0F) | 0x40
    raw[:, 8] = (raw[:, 8] & 0x3F) | 0x80
    return raw


def uuid_hex(raw: np.ndarray) -> np.ndarray:
    """32-character lower-case hex (how Django stores UUIDs on SQLite; PostgreSQL accepts it too)."""
    chars = np.empty((len(raw), 32), dtype=np.uint8)
    chars[:, 0::2] = _HEX[raw >> 4]
    chars[:, 1::2] = _HEX[raw & 0x0F]
    return chars.view("S32").ravel()


def uuid_canonical(raw: np.ndarray) -> np.ndarray:
    """8-4-4-4-12 form, as bytes (S36) for Parquet."""
    hexed = uuid_hex(raw).view(np.uint8).reshape(len(raw), 32)
    out = np.full((len(raw), 36), ord("-"), dtype=np.uint8)
    for src, dst, width in ((0, 0, 8), (8, 9, 4), (12, 14, 4), (16, 19, 4), (20, 24, 12)):
        out[:, dst:dst + width] = hexed[:, src:src + width]
    return out.view("S36").ravel()
