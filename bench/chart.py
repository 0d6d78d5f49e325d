"""Horizontal bar charts as SVG, so benchmark figures can be compared at a glance in the
README without a plotting library."""

from __future__ import annotations

from html import escape
from pathlib import Path

ROW, LABEL, WIDTH, PAD = 22, 230, 420, 8


def bars(title: str, unit: str, rows: list[tuple[str, float]], path: Path) -> Path:
    """One bar per (label, value), scaled to the largest value."""
    top = max((value for _, value in rows), default=1) or 1
    height = PAD * 3 + 20 + ROW * len(rows)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{LABEL + WIDTH + 90}" '
        f'height="{height}" font-family="sans-serif" font-size="12">',
        f'<text x="{PAD}" y="{PAD + 12}" font-weight="bold">{escape(title)}</text>',
    ]
    for i, (label, value) in enumerate(rows):
        y = PAD * 2 + 20 + i * ROW
        length = max(value / top * WIDTH, 1)
        parts += [
            f'<text x="{LABEL - 6}" y="{y + 14}" text-anchor="end">{escape(label)}</text>',
            f'<rect x="{LABEL}" y="{y + 3}" width="{length:.1f}" height="{ROW - 6}" '
            'fill="#3b7dd8"/>',
            f'<text x="{LABEL + length + 5:.1f}" y="{y + 14}">{value:,.1f} {escape(unit)}</text>',
        ]
    parts.append("</svg>")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(parts))
    return path
