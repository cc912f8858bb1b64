#!/usr/bin/env python3
"""Summarises a scripts/test.sh log: per section (marked `@@section NAME`) the tests passed,
failed, ignored (cargo: child-process entry points) and skipped (pytest skips, and tests that
printed `SKIPPED:` because what they need is absent, e.g. a GPU). The last line is the total as
`total: N passed, N failed, N skipped`."""
import re
import sys

CARGO = re.compile(r"test result: \w+\. (\d+) passed; (\d+) failed; (\d+) ignored")
PYTEST = re.compile(r"^=+ (.*) in [\d.]+s")
RCLRS = re.compile(r"^rclrs: (\d+) passed, (\d+) failed")


def main(path):
    sections = {}
    order = []
    name = None
    for line in open(path, errors="replace"):
        line = line.rstrip("\n")
        if line.startswith("@@section "):
            name = line[len("@@section "):]
            if name not in sections:
                sections[name] = dict(passed=0, failed=0, ignored=0, skipped=0)
                order.append(name)
            continue
        if name is None:
            continue
        s = sections[name]
        m = CARGO.search(line)
        if m:
            s["passed"] += int(m[1])
            s["failed"] += int(m[2])
            s["ignored"] += int(m[3])
            continue
        m = PYTEST.match(line)
        if m:
            for count, what in re.findall(r"(\d+) (passed|failed|skipped|errors?|error)", m[1]):
                key = "failed" if what.startswith("error") else what
                s[key] += int(count)
            continue
        m = RCLRS.match(line)
        if m:
            s["passed"] += int(m[1])
            s["failed"] += int(m[2])
            continue
        if "SKIPPED:" in line:
            s["skipped"] += 1
    total = dict(passed=0, failed=0, ignored=0, skipped=0)
    print()
    print(f"{'section':<24} {'passed':>7} {'failed':>7} {'ignored':>8} {'skipped':>8}")
    for n in order:
        s = sections[n]
        print(f"{n:<24} {s['passed']:>7} {s['failed']:>7} {s['ignored']:>8} {s['skipped']:>8}")
        for k in total:
            total[k] += s[k]
    print("(ignored: child-process entry points, run by the tests themselves; skipped: pytest "
          "skips, and cargo tests that printed SKIPPED, which cargo also counts as passed)")
    print(f"total: {total['passed']} passed, {total['failed']} failed, {total['skipped']} skipped")
    return 1 if total["failed"] else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
