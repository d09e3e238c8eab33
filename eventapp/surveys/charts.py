"""Where the bars of the results' charts go: horizontal bars, one per option, point of a
scale or session, in SVG user units; the template draws them (surveys/_chart.html), with
a title, a description and the same numbers as a table, like the attendance chart."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import format_decimal
from flask_babel import gettext as _

from eventapp.surveys.results import Distribution, SessionResult
from eventapp.surveys.services import SESSION_SCALE

#: Longest label drawn beside a bar; the full text is in the bar's <title> and the table.
LABEL_CHARACTERS = 34


@dataclass
class Bar:
    label: str
    #: The label as drawn (shortened if long).
    short_label: str
    value: float
    #: What is written after the bar ("12 (40%)", "4.2").
    text: str
    y: float
    width: float


@dataclass
class HorizontalChart:
    bars: list[Bar]
    width: int
    height: int
    #: Where the bars start (after the labels) and how long the longest may be.
    left: int
    plot: int
    bar_height: int


def shorten(label: str, limit: int = LABEL_CHARACTERS) -> str:
    return label if len(label) <= limit else label[: limit - 1].rstrip() + "…"


def horizontal_chart(
    rows: list[tuple[str, float, str]],
    *,
    highest: float | None = None,
    left: int | None = None,
    plot: int = 300,
    bar_height: int = 22,
    gap: int = 8,
    right: int = 90,
) -> HorizontalChart:
    """Bars for (label, value, text) rows, scaled to `highest` (else the largest value).
    The labels get `left` units, by default about 7 a character of the longest drawn."""
    if left is None:
        longest = max((len(shorten(label)) for label, _value, _text in rows), default=1)
        left = min(280, 24 + 7 * longest)
    top = max(highest or 0, *(value for _label, value, _text in rows), 0) or 1
    bars = [
        Bar(
            label=label,
            short_label=shorten(label),
            value=value,
            text=text,
            y=gap / 2 + n * (bar_height + gap),
            width=plot * value / top,
        )
        for n, (label, value, text) in enumerate(rows)
    ]
    return HorizontalChart(
        bars=bars,
        width=left + plot + right,
        height=len(rows) * (bar_height + gap) + gap,
        left=left,
        plot=plot,
        bar_height=bar_height,
    )


def number(value: float | None) -> str:
    """An average as the reader's language writes it (4.25, 4,25); a dash for none."""
    if value is None:
        return "–"
    return format_decimal(value, format="0.0#")


def count_text(count: int, share: float) -> str:
    return _("%(count)d (%(percent)d%%)", count=count, percent=round(100 * share))


def distribution_chart(distribution: Distribution) -> HorizontalChart:
    """A bar per option or point of the scale: its count, and its share of those who
    answered."""
    return horizontal_chart(
        [
            (label, count, count_text(count, distribution.share(count)))
            for label, count in distribution.counts
        ]
    )


def sessions_chart(sessions: list[SessionResult]) -> HorizontalChart:
    """A bar per rated session: its average rating, on a scale to 5."""
    return horizontal_chart(
        [
            (
                s.item.title,
                s.average or 0,
                _("%(average)s (%(num)d)", average=number(s.average), num=s.answered),
            )
            for s in sessions
        ],
        highest=SESSION_SCALE[1],
    )
