"""Precision-recall plots as hand-written SVG (no plotting library).

One plot per layer: each system is a numbered point at (recall, precision)
of the layer's primary metric, with its 95% bootstrap intervals as error
bars (horizontal: recall, vertical: precision), coloured by significance
tier; dashed curves are iso-F1 lines. A legend beside the plot names the
systems. System names come from untrusted results files and are escaped for
XML. The output is byte-stable: fixed size, coordinates printed with two
decimals, systems in the order given, no dates or ids.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

WIDTH, HEIGHT = 820, 460
LEFT, TOP, SIZE = 60, 62, 340  # plot area: a SIZE x SIZE square
LEGEND_X = LEFT + SIZE + 30
MAX_LEGEND = 18
TIER_COLOURS: tuple[str, ...] = ("#1b6ca8", "#d9822b", "#3a8f4b", "#8e44ad", "#7f7f7f")
ISO_F1: tuple[float, ...] = (0.2, 0.4, 0.6, 0.8)


@dataclass(frozen=True, slots=True)
class PRPoint:
    """One system on a precision-recall plot, with its intervals (low, high)."""

    label: str
    precision: float
    recall: float
    precision_ci: tuple[float, float]
    recall_ci: tuple[float, float]
    f1: float
    f1_ci: tuple[float, float]
    tier: int = 1


def _x(recall: float) -> float:
    return LEFT + max(0.0, min(1.0, recall)) * SIZE


def _y(precision: float) -> float:
    return TOP + (1.0 - max(0.0, min(1.0, precision))) * SIZE


def _n(value: float) -> str:
    text = f"{value:.2f}"
    return "0.00" if text == "-0.00" else text


def _text(value: str, limit: int = 40) -> str:
    clean = " ".join(value.split())
    if len(clean) > limit:
        clean = clean[: limit - 1] + "…"
    return escape(clean, quote=True)


def _colour(tier: int) -> str:
    return TIER_COLOURS[min(tier, len(TIER_COLOURS)) - 1]


def _iso_f1_path(f1: float) -> str:
    # P = F R / (2R - F), for R from F/2 (where P reaches 1) to 1
    start = f1 / (2.0 - f1)  # recall at which precision is 1
    steps = 48
    points = []
    for i in range(steps + 1):
        r = start + (1.0 - start) * i / steps
        p = f1 * r / (2.0 * r - f1)
        points.append(f"{_n(_x(r))},{_n(_y(p))}")
    return "M" + " L".join(points)


def pr_plot_svg(title: str, points: Sequence[PRPoint], note: str = "") -> str:
    """The whole SVG document for one layer (see module doc)."""
    out: list[str] = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" font-family="sans-serif" font-size="12" role="img">',
        f"<title>{_text(title, 120)}</title>",
        f'<rect x="0" y="0" width="{WIDTH}" height="{HEIGHT}" fill="#ffffff"/>',
        f'<text x="{LEFT - 50}" y="22" font-size="15" font-weight="bold">{_text(title, 90)}</text>',
    ]
    # grid, ticks and axes
    for i in range(6):
        v = i / 5
        x, y = _n(_x(v)), _n(_y(v))
        out.append(f'<line x1="{x}" y1="{TOP}" x2="{x}" y2="{TOP + SIZE}" stroke="#e6e6e6"/>')
        out.append(f'<line x1="{LEFT}" y1="{y}" x2="{LEFT + SIZE}" y2="{y}" stroke="#e6e6e6"/>')
        out.append(f'<text x="{x}" y="{TOP + SIZE + 16}" text-anchor="middle">{v:.1f}</text>')
        out.append(f'<text x="{LEFT - 8}" y="{_n(_y(v) + 4)}" text-anchor="end">{v:.1f}</text>')
    out.append(
        f'<rect x="{LEFT}" y="{TOP}" width="{SIZE}" height="{SIZE}" fill="none" stroke="#333333"/>'
    )
    out.append(
        f'<text x="{LEFT + SIZE / 2:.0f}" y="{TOP + SIZE + 34}" text-anchor="middle">recall</text>'
    )
    out.append(
        f'<text x="{LEFT - 42}" y="{TOP + SIZE / 2:.0f}" text-anchor="middle" '
        f'transform="rotate(-90 {LEFT - 42} {TOP + SIZE / 2:.0f})">precision</text>'
    )
    for f1 in ISO_F1:
        out.append(
            f'<path d="{_iso_f1_path(f1)}" fill="none" stroke="#bbbbbb" stroke-dasharray="4 3"/>'
        )
        out.append(
            f'<text x="{_n(_x(1.0) - 4)}" y="{_n(_y(f1 / (2 - f1)) - 4)}" text-anchor="end" '
            f'fill="#999999" font-size="10">F1={f1:.1f}</text>'
        )
    if not points:
        out.append(
            f'<text x="{LEFT + SIZE / 2:.0f}" y="{TOP + SIZE / 2:.0f}" text-anchor="middle" '
            f'fill="#666666">No system attempted this layer.</text>'
        )
    # error bars first, then markers on top, in reverse so that number 1 ends up on top
    for number, pt in reversed(list(enumerate(points, start=1))):
        colour = _colour(pt.tier)
        x, y = _x(pt.recall), _y(pt.precision)
        r_lo, r_hi = _x(pt.recall_ci[0]), _x(pt.recall_ci[1])
        p_lo, p_hi = _y(pt.precision_ci[0]), _y(pt.precision_ci[1])
        out.append(f'<g class="system" data-n="{number}" stroke="{colour}" stroke-width="1.5">')
        out.append(f'<line x1="{_n(r_lo)}" y1="{_n(y)}" x2="{_n(r_hi)}" y2="{_n(y)}"/>')
        out.append(f'<line x1="{_n(x)}" y1="{_n(p_lo)}" x2="{_n(x)}" y2="{_n(p_hi)}"/>')
        for cap_x in (r_lo, r_hi):
            out.append(
                f'<line x1="{_n(cap_x)}" y1="{_n(y - 4)}" x2="{_n(cap_x)}" y2="{_n(y + 4)}"/>'
            )
        for cap_y in (p_lo, p_hi):
            out.append(
                f'<line x1="{_n(x - 4)}" y1="{_n(cap_y)}" x2="{_n(x + 4)}" y2="{_n(cap_y)}"/>'
            )
        out.append("</g>")
    for number, pt in reversed(list(enumerate(points, start=1))):
        colour = _colour(pt.tier)
        x, y = _n(_x(pt.recall)), _n(_y(pt.precision))
        out.append(f'<circle cx="{x}" cy="{y}" r="8" fill="{colour}" stroke="#ffffff"/>')
        out.append(
            f'<text x="{x}" y="{_n(_y(pt.precision) + 4)}" text-anchor="middle" fill="#ffffff" '
            f'font-size="10" font-weight="bold">{number}</text>'
        )
    # legend
    out.append(
        f'<text x="{LEGEND_X}" y="{TOP - 8}" font-weight="bold">system (tier): F1 [95% CI]</text>'
    )
    for number, pt in enumerate(points[:MAX_LEGEND], start=1):
        y = TOP + 4 + (number - 1) * 20
        out.append(f'<circle cx="{LEGEND_X + 8}" cy="{y}" r="8" fill="{_colour(pt.tier)}"/>')
        out.append(
            f'<text x="{LEGEND_X + 8}" y="{y + 4}" text-anchor="middle" fill="#ffffff" '
            f'font-size="10" font-weight="bold">{number}</text>'
        )
        out.append(
            f'<text x="{LEGEND_X + 22}" y="{y + 4}">{_text(pt.label, 28)} ({pt.tier}): '
            f"{pt.f1:.3f} [{pt.f1_ci[0]:.3f}, {pt.f1_ci[1]:.3f}]</text>"
        )
    if len(points) > MAX_LEGEND:
        y = TOP + 4 + MAX_LEGEND * 20
        out.append(f'<text x="{LEGEND_X}" y="{y + 4}">… and {len(points) - MAX_LEGEND} more</text>')
    if note:
        out.append(
            f'<text x="{LEFT}" y="{HEIGHT - 12}" fill="#555555" font-size="11">'
            f"{_text(note, 120)}</text>"
        )
    out.append("</svg>")
    return "\n".join(out) + "\n"
