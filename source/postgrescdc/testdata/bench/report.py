"""Prints run.sh's results (results.jsonl, one object per run) as a table,
then kconnect's ratios to Debezium per pair of runs (the same run number)
against the target: >= 3x Debezium's events per CPU-second at <= 1/5 of its
RSS (peak, VmHWM)."""

import json
import statistics
import sys


def row(r):
    ev = r["events"]
    kafka_s = max(r["last_ts_ms"] - r["first_ts_ms"], 1) / 1000
    wall_s = max(r["last_ts_ms"] - r["start_ms"], 1) / 1000
    return {
        "connector": r["connector"],
        "run": r["run"],
        "events": ev,
        "ev/s (Kafka first..last)": ev / kafka_s,
        "ev/s (first write..last)": ev / wall_s,
        "lag p50 s": r["lag_p50_ms"] / 1000,
        "lag p99 s": r["lag_p99_ms"] / 1000,
        "CPU s": r["cpu_s"],
        "ev per CPU-s": ev / max(r["cpu_s"], 0.01),
        "peak RSS MiB": r["vmhwm_kib"] / 1024,
        "steady RSS MiB": r["rss_median_kib"] / 1024,
    }


def fmt(v):
    if isinstance(v, float):
        return f"{v:,.0f}" if abs(v) >= 100 else f"{v:.2f}"
    return str(v)


def main():
    rs = [row(json.loads(l)) for l in open(sys.argv[1]) if l.strip()]
    cols = list(rs[0])
    print("| " + " | ".join(cols) + " |")
    print("|" + "|".join("---" if i < 2 else "---:" for i in range(len(cols))) + "|")
    for r in rs:
        print("| " + " | ".join(fmt(r[c]) for c in cols) + " |")

    by = {}
    for r in rs:
        by.setdefault(r["run"], {})[r["connector"]] = r
    cpu, rss, evs = [], [], []
    for n, p in sorted(by.items()):
        if "debezium" in p and "kconnect" in p:
            d, k = p["debezium"], p["kconnect"]
            cpu.append(k["ev per CPU-s"] / d["ev per CPU-s"])
            rss.append(d["peak RSS MiB"] / k["peak RSS MiB"])
            evs.append(k["ev/s (Kafka first..last)"] / d["ev/s (Kafka first..last)"])
    if not cpu:
        return

    def spread(xs):
        return f"{statistics.median(xs):.2f} ({min(xs):.2f}-{max(xs):.2f})"

    print()
    print(f"kconnect / Debezium, {len(cpu)} pair(s), median (range):")
    print(f"  events per CPU-second: {spread(cpu)}x  target >= 3x: {'met' if statistics.median(cpu) >= 3 else 'NOT met'}")
    print(f"  peak RSS: 1/{spread(rss)} of Debezium's  target <= 1/5: {'met' if statistics.median(rss) >= 5 else 'NOT met'}")
    print(f"  events/s (Kafka first..last): {spread(evs)}x")


main()
