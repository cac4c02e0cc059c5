#!/usr/bin/env python3
"""Seeded caseload generator for `jointly simulate` and the benchmarks.

Writes one decision request per line (JSON Lines) for the reference policy. The same seed and
count always give byte-identical output (its own 64-bit LCG, not Python's `random`), so a
caseload can be regenerated instead of stored.

usage: examples/generate_caseload.py [--seed N] [--count N] [--policy ID] > caseload.jsonl
"""
import argparse
import datetime
import json
import sys


class Lcg:
    """Knuth's MMIX linear congruential generator: deterministic everywhere."""

    def __init__(self, seed):
        self.state = (seed * 6364136223846793005 + 1442695040888963407) % 2**64

    def next(self):
        self.state = (self.state * 6364136223846793005 + 1442695040888963407) % 2**64
        return self.state >> 33

    def below(self, n):
        return self.next() % n

    def chance(self, percent):
        return self.below(100) < percent


LEVELS = ["none", "low", "moderate", "high", "severe", "priority"]
LEVEL_WEIGHTS = [10, 15, 25, 25, 17, 8]
DOMAINS = ["breathing", "nutrition", "continence", "skin", "mobility", "communication",
           "drug_therapies", "psychological", "seizures", "behaviour", "cognition", "sleep"]
YEAR_START = datetime.date(2025, 4, 1)


def pick_level(rng):
    roll = rng.below(sum(LEVEL_WEIGHTS))
    for level, weight in zip(LEVELS, LEVEL_WEIGHTS):
        if roll < weight:
            return level
        roll -= weight
    return LEVELS[-1]


def pence(p):
    return f"{p // 100}.{p % 100:02d}"


def day(offset):
    return (YEAR_START + datetime.timedelta(days=offset)).isoformat()


def case(rng, number, policy):
    as_of = rng.below(365)
    dst = {d: pick_level(rng) for d in DOMAINS if rng.chance(40)}
    request = {
        "policy": policy,
        "as_of": day(as_of),
        "case_ref": f"C-{number:06d}",
        "facts": {"has_ehcp": rng.chance(45), "dst": dst},
        "lines": [],
    }
    if rng.chance(30):
        request["events"] = {"surgery": day(as_of + rng.below(120))}
    for index in range(1 + rng.below(4)):
        start = as_of + rng.below(60)
        end = start + 7 + rng.below(400)
        kind = rng.below(100)
        line_id = f"l{index + 1}"
        if kind < 40:
            line = {"service": "personal_care", "weekly": pence(10000 + rng.below(90000)),
                    "start": day(start), "end": day(end)}
        elif kind < 55:
            line = {"service": "personal_care", "hourly": pence(1500 + rng.below(1500)),
                    "hours_per_week": str(5 + rng.below(36)), "start": day(start), "end": day(end)}
        elif kind < 75:
            line = {"service": "residential_placement", "weekly": pence(200000 + rng.below(500000)),
                    "start": day(start), "end": day(end)}
        elif kind < 95:
            line = {"service": "equipment", "amount": pence(10000 + rng.below(1200000)), "date": day(start)}
        else:
            line = {"service": "transport", "weekly": pence(5000 + rng.below(20000)),
                    "start": day(start), "end": day(end)}
        request["lines"].append({"id": line_id, **line})
    return request


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--policy", default="reference")
    args = parser.parse_args()
    rng = Lcg(args.seed)
    out = sys.stdout
    for number in range(1, args.count + 1):
        out.write(json.dumps(case(rng, number, args.policy), separators=(",", ":")) + "\n")


if __name__ == "__main__":
    main()
