# Copyright: vobiz.telephony contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Figures and the table that shows them: each figure next to its target and whether it was met."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Figure:
    """One measured figure. `met` is None when the figure has no target."""

    key: str
    name: str
    measured: str
    target: str
    met: bool | None
    details: list = field(default_factory=list)


def verdict(met: bool | None) -> str:
    if met is None:
        return "-"
    return "yes" if met else "NO"


def progress(text: str) -> None:
    print(text, flush=True)


def show_figure(figure: Figure) -> None:
    """The figure as soon as it is measured, with how it was obtained."""
    progress("   %s %s: %s (target %s: %s)" % (figure.key, figure.name, figure.measured, figure.target, verdict(figure.met)))
    for line in figure.details:
        progress("      %s" % line)


def table(figures: list) -> str:
    """A compact fixed-width table of every figure."""
    headers = ("#", "figure", "measured", "target", "met")
    rows = [(f.key, f.name, f.measured, f.target, verdict(f.met)) for f in figures]
    widths = [max(len(str(row[column])) for row in rows + [headers]) for column in range(len(headers))]
    lines = [_row(headers, widths), _row(tuple("-" * width for width in widths), widths)]
    lines.extend(_row(row, widths) for row in rows)
    return "\n".join(lines)


def _row(cells: tuple, widths: list) -> str:
    return "  ".join(str(cell).ljust(width) for cell, width in zip(cells, widths, strict=True)).rstrip()
