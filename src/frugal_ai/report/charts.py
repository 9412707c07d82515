"""Inline SVG charts for the HTML report: no script, no font, no request.

Each chart draws central values as bars and the low–high range as a whisker, so the
uncertainty stays visible. Labels are formatted by the caller's `Texts`.
"""

from __future__ import annotations

from html import escape

from ..footprint import Range
from ..lang import Texts

_BAR = "#2f7d5b"
_BAR_ALT = "#c9822b"
_INK = "#1d2b26"
_GRID = "#d9e2dd"


def _scale(values: list[float]) -> float:
    top = max(values, default=0.0)
    return top if top > 0 else 1.0


def _short(label: str) -> str:
    """A bar's label cut to 28 characters, so it fits left of the bars."""
    return label if len(label) <= 28 else label[:27] + "…"


def _svg(width: int, height: int, title: str, body: list[str]) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" preserveAspectRatio="xMinYMin meet" aria-label="{escape(title)}">'
        f"<title>{escape(title)}</title>" + "".join(body) + "</svg>"
    )


def hbars(title: str, items: list[tuple[str, Range]], t: Texts) -> str:
    """Horizontal bars of CO2e (kg), one per item, largest first as given."""
    items = items[:12]
    label_w, bar_w, row_h, pad = 190, 330, 26, 8
    width = label_w + bar_w + 170
    height = pad * 2 + row_h * max(len(items), 1)
    top = _scale([r.high for _, r in items])
    body = [f'<line x1="{label_w}" y1="{pad}" x2="{label_w}" y2="{height - pad}" stroke="{_GRID}"/>']
    for i, (label, r) in enumerate(items):
        y = pad + i * row_h
        w = bar_w * r.central / top
        lo, hi = label_w + bar_w * r.low / top, label_w + bar_w * r.high / top
        mid = y + row_h / 2
        body.append(f'<text x="{label_w - 6}" y="{mid + 4:.1f}" text-anchor="end" font-size="12" fill="{_INK}">{escape(_short(label))}</text>')
        body.append(f'<rect x="{label_w}" y="{y + 5}" width="{w:.2f}" height="{row_h - 10}" fill="{_BAR}" rx="2"/>')
        if r.high > r.low:
            body.append(f'<line x1="{lo:.2f}" y1="{mid:.1f}" x2="{hi:.2f}" y2="{mid:.1f}" stroke="{_INK}" stroke-width="1.2"/>')
            for x in (lo, hi):
                body.append(f'<line x1="{x:.2f}" y1="{mid - 5:.1f}" x2="{x:.2f}" y2="{mid + 5:.1f}" stroke="{_INK}" stroke-width="1.2"/>')
        body.append(f'<text x="{max(hi, label_w + w) + 6:.1f}" y="{mid + 4:.1f}" font-size="11" fill="{_INK}">'
                    f"{escape(t.range(r, 'co2e_kg'))}</text>")
    return _svg(width, height, title, body)


def vbars(title: str, items: list[tuple[tuple[str, str], Range]], t: Texts) -> str:
    """Vertical bars of CO2e (kg), one per item in the order given (months); labels on two lines (month, year)."""
    items = items[-24:]
    left, plot_h, bottom, top_pad = 70, 200, 40, 20
    col_w = 44 if len(items) <= 12 else 26
    width = max(360, left + col_w * max(len(items), 1) + 20)
    height = top_pad + plot_h + bottom
    top = _scale([r.high for _, r in items])
    body = []
    for k in range(5):  # grid with four steps, labelled
        v = top * k / 4
        y = top_pad + plot_h - plot_h * k / 4
        body.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width - 10}" y2="{y:.1f}" stroke="{_GRID}"/>')
        body.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="10" fill="{_INK}">'
                    f"{escape(t.quantity(v, 'co2e_kg'))}</text>")
    for i, (label, r) in enumerate(items):
        x = left + i * col_w + 6
        w = col_w - 12
        h = plot_h * r.central / top
        y = top_pad + plot_h - h
        body.append(f'<rect x="{x}" y="{y:.2f}" width="{w}" height="{h:.2f}" fill="{_BAR}" rx="2">'
                    f"<title>{escape(t('labelled', label=' '.join(label), value=t.range(r, 'co2e_kg')))}</title></rect>")
        if r.high > r.low:
            cx = x + w / 2
            y_lo = top_pad + plot_h - plot_h * r.low / top
            y_hi = top_pad + plot_h - plot_h * r.high / top
            body.append(f'<line x1="{cx}" y1="{y_lo:.2f}" x2="{cx}" y2="{y_hi:.2f}" stroke="{_INK}" stroke-width="1.2"/>')
            body.append(f'<line x1="{cx - 4}" y1="{y_hi:.2f}" x2="{cx + 4}" y2="{y_hi:.2f}" stroke="{_INK}" stroke-width="1.2"/>')
        body.append(f'<text x="{x + w / 2}" y="{top_pad + plot_h + 15}" text-anchor="middle" font-size="10" '
                    f'fill="{_INK}">{escape(label[0])}<tspan x="{x + w / 2}" dy="12">{escape(label[1])}</tspan></text>')
    return _svg(width, height, title, body)


def paired_bars(title: str, items: list[tuple[str, Range | None, Range | None]], t: Texts,
                first: str, second: str) -> str:
    """Two bars per item (footprint and avoided emissions), on one scale."""
    label_w, bar_w, pair_h, pad = 190, 330, 44, 8
    width = label_w + bar_w + 170
    height = pad * 2 + pair_h * max(len(items), 1) + 22
    top = _scale([x.high for _, a, b in items for x in (a, b) if x is not None])
    body = [
        f'<rect x="{label_w}" y="{pad}" width="10" height="10" fill="{_BAR}"/>',
        f'<text x="{label_w + 14}" y="{pad + 9}" font-size="11" fill="{_INK}">{escape(first)}</text>',
        f'<rect x="{label_w + 120}" y="{pad}" width="10" height="10" fill="{_BAR_ALT}"/>',
        f'<text x="{label_w + 134}" y="{pad + 9}" font-size="11" fill="{_INK}">{escape(second)}</text>',
    ]
    for i, (label, a, b) in enumerate(items):
        y0 = pad + 22 + i * pair_h
        body.append(f'<text x="{label_w - 6}" y="{y0 + pair_h / 2 + 2:.1f}" text-anchor="end" font-size="12" '
                    f'fill="{_INK}">{escape(_short(label))}</text>')
        for j, (r, colour) in enumerate(((a, _BAR), (b, _BAR_ALT))):
            if r is None:
                continue
            y = y0 + 3 + j * 18
            w = bar_w * r.central / top
            body.append(f'<rect x="{label_w}" y="{y}" width="{w:.2f}" height="14" fill="{colour}" rx="2"/>')
            hi = label_w + bar_w * r.high / top
            if r.high > r.low:
                lo = label_w + bar_w * r.low / top
                body.append(f'<line x1="{lo:.2f}" y1="{y + 7}" x2="{hi:.2f}" y2="{y + 7}" stroke="{_INK}" stroke-width="1.2"/>')
            body.append(f'<text x="{max(hi, label_w + w) + 6:.1f}" y="{y + 11}" font-size="11" fill="{_INK}">'
                        f"{escape(t.range(r, 'co2e_kg'))}</text>")
    return _svg(width, height, title, body)
