"""The coverage chart: articles per day by subtopic (stacked bars) and by outlet (lines), as
a PNG that mail clients show (no script). matplotlib with the Agg backend, imported only
here, so the CLI's start-up never loads it."""

from __future__ import annotations

from io import BytesIO

from digests.coverage import Coverage

WIDTH_IN, HEIGHT_IN, DPI = 8.0, 5.6, 100


def coverage_png(coverage: Coverage, title: str) -> bytes:
    """The chart of ``coverage`` as PNG bytes (800 × 560 pixels)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure  # no pyplot: no global state, thread-safe

    figure = Figure(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI, layout="constrained")
    by_topic, by_outlet = figure.subplots(2, 1, sharex=True, height_ratios=(3, 2))
    positions = list(range(len(coverage.days)))
    bottom = [0] * len(positions)
    colours = matplotlib.colormaps["tab10"]
    for i, (label, counts) in enumerate(coverage.by_topic.items()):
        by_topic.bar(positions, counts, bottom=bottom, label=label, color=colours(i % 10))
        bottom = [b + c for b, c in zip(bottom, counts, strict=True)]
    by_topic.set_title(title, fontsize=11)
    by_topic.set_ylabel("articles per day")
    by_topic.legend(fontsize=7, loc="upper left", ncols=2, frameon=False)
    for i, (name, counts) in enumerate(coverage.by_outlet.items()):
        by_outlet.plot(positions, counts, marker=".", label=name, color=colours(i % 10))
    by_outlet.set_ylabel("per outlet")
    by_outlet.legend(fontsize=7, loc="upper left", ncols=3, frameon=False)
    step = max(1, len(positions) // 10)
    by_outlet.set_xticks(positions[::step], [d.strftime("%d %b") for d in coverage.days[::step]])
    for axis in (by_topic, by_outlet):
        axis.yaxis.get_major_locator().set_params(integer=True)
        axis.grid(axis="y", alpha=0.3)
    out = BytesIO()
    figure.savefig(out, format="png")
    return out.getvalue()
