#!/usr/bin/env python3
"""Writes a hostile policy to stdout: the inputs of issue 9 item 3 (policy compilation made
to exhaust memory), for measuring `jointly check` and `/v1/policies/check`.

    bench/hostile_policy.py overlap N   # N rules on one service, every pair overlapping
    bench/hostile_policy.py windows N   # N window rules on one service, chained through
                                        # N + 1 events (`from e_i until e_i+1`, `within`)
    bench/hostile_policy.py chain N     # as windows, each rule an exception to the one before

For example (peak memory is "Maximum resident set size"):

    bench/hostile_policy.py overlap 1000 > /tmp/o1000.jf
    /usr/bin/time -v build/ci/app/jointly check /tmp/o1000.jf > /dev/null

tests/dsl/hostile_policy.hpp builds the same texts for the tests; keep the two in step.
"""
import sys

HEADER = (
    'policy hostile "Hostile policy"\n'
    '  version "1"\n'
    '  effective from 2025-04-01\n\n'
    'agency health "NHS"\n'
    'agency social_care "Social care"\n\n'
    'fact points: whole default 0\n'
)


def overlap(n):
    out = [HEADER, "\n"]
    for i in range(n):
        out.append(
            f"rule r_{i}\n"
            f"  when service is personal_care and points >= {i}\n"
            f"  split social_care 100%\n\n"
        )
    return "".join(out)


def windows(n, chained):
    out = [HEADER]
    for i in range(n + 1):
        out.append(f"event e_{i}\n")
    out.append("\n")
    for i in range(n):
        out.append(f"rule w_{i}\n")
        if chained and i > 0:
            out.append(f"  exception to w_{i - 1}\n")
        out.append("  when service is personal_care\n")
        if i % 2 == 0:
            out.append(f"  from e_{i} until e_{i + 1}\n")
        else:
            out.append(f"  within {i} days after e_{i}\n")
        out.append("  split health 50%, social_care 50%\n\n")
    return "".join(out)


def main(argv):
    if len(argv) != 3 or argv[1] not in ("overlap", "windows", "chain") or not argv[2].isdigit():
        sys.stderr.write("usage: hostile_policy.py overlap|windows|chain N\n")
        return 2
    n = int(argv[2])
    if argv[1] == "overlap":
        sys.stdout.write(overlap(n))
    else:
        sys.stdout.write(windows(n, argv[1] == "chain"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
