#!/usr/bin/env python3
"""Sums up meson test logs into one line: "N passed, N failed".

Each TAP test case counts once; a test program that is not TAP counts as
one case. A TAP program that failed without a failing case (a crash, a
timeout or a sanitizer report after the last case) counts one failure.
A missing log means a build that did not get as far as its tests, and
counts one failure too.
"""

import json
import re
import sys

TAP_LINE = re.compile(r"^(not ok|ok)\b(.*)$")


def count_tap(stdout):
    passed = failed = skipped = 0
    for line in stdout.splitlines():
        match = TAP_LINE.match(line)
        if not match:
            continue
        if "# SKIP" in match.group(2):
            skipped += 1
        elif match.group(1) == "ok":
            passed += 1
        else:
            failed += 1
    return passed, failed, skipped


def count_log(path):
    passed = failed = skipped = 0
    try:
        lines = open(path, encoding="utf-8").read().splitlines()
    except OSError:
        print(f"missing test log {path}: the build did not reach its tests", file=sys.stderr)
        return 0, 1, 0

    for line in lines:
        entry = json.loads(line)
        result = entry.get("result")
        p, f, s = count_tap(entry.get("stdout") or "")
        if p + f + s == 0:
            p, f, s = (result == "OK", result not in ("OK", "SKIP", "EXPECTEDFAIL"), result == "SKIP")
        elif result not in ("OK", "SKIP", "EXPECTEDFAIL") and f == 0:
            f = 1
        passed += p
        failed += f
        skipped += s
    return passed, failed, skipped


def main():
    totals = [0, 0, 0]
    for path in sys.argv[1:]:
        for i, value in enumerate(count_log(path)):
            totals[i] += int(value)
    line = f"{totals[0]} passed, {totals[1]} failed"
    if totals[2]:
        line += f", {totals[2]} skipped"
    print(line)
    return 0 if totals[1] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
