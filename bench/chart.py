#!/usr/bin/env python3
"""Draws bench/results/chart.svg from results.json: throughput and p99 latency per scenario
(last round), with the peer's figures (Better Auth 1.7.25) and the issue's targets marked.
Standard library only.

    python3 bench/chart.py results.json chart.svg
"""
import json
import math
import sys
from html import escape

PEER = {  # issue 6: Better Auth 1.7.25, same machine kind and load settings
    "anonymous-sign-in": {"rate": (330, 365), "p99": (140, 170)},
    "get-session": {"rate": (810, 910), "p99": (70, 70)},
    "link-flow": {"rate": (11, 14)},
}

WIDTH = 1000
ROW = 34
LABEL_W = 240
PLOT_W = 600
COLOURS = {"bar": "#3b7dd8", "latency": "#e07b39", "peer": "#888888", "target": "#1a9e4b", "miss": "#c62828"}


def log_x(value, lo, hi):
    value = min(max(value, lo), hi)
    return LABEL_W + PLOT_W * (math.log10(value) - math.log10(lo)) / (math.log10(hi) - math.log10(lo))


def fmt(value):
    if value >= 100:
        return f"{value:,.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def tick_label(value):
    for size, suffix in ((1e6, "M"), (1e3, "k")):
        if value >= size:
            return f"{value / size:g}{suffix}"
    return f"{value:g}"


def axis(parts, top, lo, hi, unit):
    decade = 10 ** math.floor(math.log10(lo))
    while decade <= hi:
        for step in (1, 2, 5):
            tick = decade * step
            if lo <= tick <= hi:
                x = log_x(tick, lo, hi)
                parts.append(f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{top + (6 if step == 1 else 3)}" stroke="#999"/>')
                if step == 1 or hi / lo <= 1e4:
                    parts.append(f'<text x="{x:.1f}" y="{top + 18}" font-size="10" text-anchor="middle" fill="#555">{tick_label(tick)}</text>')
        decade *= 10
    parts.append(f'<text x="{LABEL_W + PLOT_W / 2}" y="{top + 32}" font-size="11" text-anchor="middle" fill="#333">{escape(unit)} (log scale)</text>')


def panel(parts, top, title, rows, unit, colour, lo, hi):
    """rows: (label, value, peer range or None, target or None, higher_is_better, note)"""
    parts.append(f'<text x="10" y="{top}" font-size="14" font-weight="bold">{escape(title)}</text>')
    y = top + 14
    for label, value, peer, target, higher, note in rows:
        parts.append(f'<text x="{LABEL_W - 8}" y="{y + ROW / 2 + 4}" font-size="12" text-anchor="end">{escape(label)}</text>')
        parts.append(f'<line x1="{LABEL_W}" y1="{y + ROW - 2}" x2="{LABEL_W + PLOT_W}" y2="{y + ROW - 2}" stroke="#eee"/>')
        if value is not None and value > 0:
            x = log_x(value, lo, hi)
            met = target is None or (value >= target if higher else value <= target)
            parts.append(f'<rect x="{LABEL_W}" y="{y + 6}" width="{max(1.0, x - LABEL_W):.1f}" height="{ROW - 14}" fill="{colour}" opacity="0.85"/>')
            text = f"{fmt(value)} {note}".strip()
            parts.append(f'<text x="{LABEL_W + PLOT_W + 10}" y="{y + ROW / 2 + 4}" font-size="12" fill="{"#222" if met else COLOURS["miss"]}">{escape(text)}</text>')
        if peer:
            x1, x2 = log_x(peer[0], lo, hi), log_x(peer[1], lo, hi)
            parts.append(f'<rect x="{x1:.1f}" y="{y + 2}" width="{max(2.0, x2 - x1):.1f}" height="{ROW - 6}" fill="none" stroke="{COLOURS["peer"]}" stroke-width="2" stroke-dasharray="3,2"/>')
        if target:
            x = log_x(target, lo, hi)
            parts.append(f'<line x1="{x:.1f}" y1="{y + 1}" x2="{x:.1f}" y2="{y + ROW - 3}" stroke="{COLOURS["target"]}" stroke-width="3"/>')
        y += ROW
    axis(parts, y, lo, hi, unit)
    return y + 44


def main(results_path, svg_path):
    with open(results_path, encoding="utf-8") as f:
        results = json.load(f)
    last = results["rounds"][-1]
    by_name = {s["name"]: s for s in last["scenarios"]}
    ceiling = by_name.get("ceiling", {}).get("rate")

    def rate(name):
        return by_name[name]["rate"] if name in by_name else None

    def p99(name):
        s = by_name.get(name)
        if not s:
            return None
        return (s.get("mergeLatencyMs") or s.get("latencyMs"))["p99"]

    def peer(name, key):
        return PEER.get(name, {}).get(key)

    throughput_rows = [
        ("ceiling: bare Kestrel", rate("ceiling"), None, None, True, "req/s"),
        ("anonymous sign-in", rate("anonymous-sign-in"), peer("anonymous-sign-in", "rate"), 5 * 365, True, "req/s"),
        ("get-session", rate("get-session"), peer("get-session", "rate"),
         max(10 * 910, (ceiling or 0) / 2), True, "req/s"),
        ("cart read", rate("cart-read"), None, (ceiling or 0) / 2 or None, True, "req/s"),
        ("link flow (sign-in → sign-up)", rate("link-flow"), peer("link-flow", "rate"), 2 * 14, True, "flows/s"),
    ]
    latency_rows = [
        ("ceiling: bare Kestrel", p99("ceiling"), None, None, False, "ms"),
        ("anonymous sign-in", p99("anonymous-sign-in"), peer("anonymous-sign-in", "p99"), 140 / 5, False, "ms"),
        ("get-session", p99("get-session"), peer("get-session", "p99"), None, False, "ms"),
        ("cart read", p99("cart-read"), None, None, False, "ms"),
        ("link flow (per flow)", p99("link-flow"), None, None, False, "ms"),
        ("link → merged cart, idle", p99("link-merge-idle"), None, 100, False, "ms"),
        ("link → merged cart, under load", p99("link-merge-under-load"), None, 1000, False, "ms"),
    ]
    # A log scale has no place for zero (a smoke run may complete next to nothing in a window).
    throughput_rows = [r for r in throughput_rows if r[1]]
    latency_rows = [r for r in latency_rows if r[1]]
    if not throughput_rows or not latency_rows:
        sys.exit("chart.py: nothing to draw")

    parts = []
    m = results["machine"]
    s = results["settings"]
    subtitle = (f'{m["cores"]} cores, {s["connections"]} connections, {s["warmupSeconds"]} s warm-up + '
                f'{s["durationSeconds"]} s per scenario, round {last["round"]} of {s["rounds"]}, '
                f'{results["startedAt"][:16].replace("T", " ")} UTC, load before {m["loadAverageBefore"][0]}')
    parts.append('<text x="10" y="22" font-size="16" font-weight="bold">AspireAuth benchmark: throughput and p99 latency</text>')
    parts.append(f'<text x="10" y="40" font-size="11" fill="#555">{escape(subtitle)}</text>')
    legend_y = 58
    parts.append(f'<rect x="10" y="{legend_y - 9}" width="16" height="10" fill="none" stroke="{COLOURS["peer"]}" stroke-width="2" stroke-dasharray="3,2"/>')
    parts.append(f'<text x="32" y="{legend_y}" font-size="11">Better Auth 1.7.25 (peer)</text>')
    parts.append(f'<line x1="200" y1="{legend_y - 10}" x2="200" y2="{legend_y + 1}" stroke="{COLOURS["target"]}" stroke-width="3"/>')
    parts.append(f'<text x="208" y="{legend_y}" font-size="11">target (issue 6); a figure in red misses it</text>')

    y = 90
    values = [r[1] for r in throughput_rows]
    y = panel(parts, y, "Throughput", throughput_rows, "requests or flows per second", COLOURS["bar"],
              lo=max(1, 10 ** math.floor(math.log10(min(values + [11])))), hi=10 ** math.ceil(math.log10(max(values) * 1.5)))
    values = [r[1] for r in latency_rows]
    y = panel(parts, y + 10, "p99 latency", latency_rows, "milliseconds", COLOURS["latency"],
              lo=10 ** math.floor(math.log10(max(0.01, min(values)))), hi=10 ** math.ceil(math.log10(max(values + [1000]) * 1.2)))

    svg = (f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{y}" viewBox="0 0 {WIDTH} {y}" '
           f'font-family="Helvetica, Arial, sans-serif"><rect width="100%" height="100%" fill="white"/>'
           + "".join(parts) + "</svg>\n")
    with open(svg_path, "w", encoding="utf-8") as f:
        f.write(svg)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
