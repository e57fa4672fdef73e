"""The quality-vs-share plot of ``routellm eval --plot`` (matplotlib, imported on use)."""

from __future__ import annotations

from pathlib import Path

from collections.abc import Mapping, Sequence
from typing import Any

from routellm_core.errors import ConfigError, install_hint
from routellm_core.evaluation.metrics import CurveResult


def _pyplot() -> Any:
    try:
        import matplotlib
    except ImportError:
        raise ConfigError(f"plots need matplotlib: {install_hint('eval')}") from None

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


#: title font size (points); the title is wrapped to the figure's width so it is never clipped
TITLE_SIZE = 9


def set_title(ax: Any, title: str) -> None:
    """``title`` over ``ax`` at ``TITLE_SIZE`` points, wrapped at the width of its figure (long file
    and model names would otherwise run past the edges)."""
    if not title:
        return
    import textwrap

    width_pt = ax.figure.get_figwidth() * 72 * 0.92
    chars = max(20, int(width_pt / (0.6 * TITLE_SIZE)))  # 0.6 em: a wide average glyph
    ax.set_title(textwrap.fill(title, chars, break_long_words=True, break_on_hyphens=False), fontsize=TITLE_SIZE)


def _save(fig: Any, path: str | Path) -> Path:
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out)
    fig.clf()
    return out


def plot_curves(
    curves: dict[str, CurveResult],
    path: str | Path,
    *,
    title: str = "",
    strong_label: str = "strong",
    weak_label: str = "weak",
) -> Path:
    """Write a PNG: quality (%) vs strong-call share (%), one line per curve (names 'random' and
    'oracle' drawn dashed/dotted), horizontal lines at the strong and weak quality."""
    plt = _pyplot()
    if not curves:
        raise ConfigError("plot_curves() needs at least one curve.")
    ref = next(iter(curves.values()))
    fig, ax = plt.subplots(figsize=(7, 4.5), dpi=110)
    for name, c in curves.items():
        style = {"oracle": ":", "random": "--"}.get(name.split(" ")[0], "-")
        ax.plot(c.fractions * 100, c.quality_curve * 100, style, lw=1.6, label=f"{name} (APGR {c.apgr:.3f})")
    ax.axhline(ref.strong_quality * 100, color="black", lw=0.8, ls="-.", label=f"{strong_label} only")
    ax.axhline(ref.weak_quality * 100, color="grey", lw=0.8, ls="-.", label=f"{weak_label} only")
    ax.set_xlabel("calls to the strong model (%)")
    ax.set_ylabel("quality (% correct)")
    ax.set_xlim(0, 100)
    set_title(ax, title)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    out = _save(fig, path)
    plt.close(fig)
    return out


def plot_cost_curves(curves: Mapping[str, Any], singles: Sequence[str], path: str | Path, *, title: str = "") -> Path:
    """Write a PNG: quality (%) vs mean cost per call (USD, log scale); single models as labelled
    points, every other system as its non-decreasing concave hull (``evaluation.multimodel``)."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7.5, 4.8), dpi=110)
    for name, c in curves.items():
        if name in singles:
            ax.plot(c.cost, c.quality * 100, "o", color="black", ms=4)
            ax.annotate(name.split("/")[-1], (c.cost[0], c.quality[0] * 100), fontsize=6, xytext=(3, 2),
                        textcoords="offset points")
            continue
        hc, hq = c.hull
        style = {"oracle": ":", "random mix": "--"}.get(name, "-")
        ax.plot(hc, hq * 100, style, lw=1.6, marker="." if len(hc) < 30 else None, label=name)
    ax.set_xscale("log")
    ax.set_xlabel("mean cost per call (USD, log scale)")
    ax.set_ylabel("quality (%)")
    set_title(ax, title)
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=8, loc="best")
    fig.tight_layout()
    out = _save(fig, path)
    plt.close(fig)
    return out


def plot_quality_bars(quality: Mapping[str, float], path: str | Path, *, title: str = "") -> Path:
    """Write a PNG: one horizontal bar of quality (%) per system (multi-model files without costs)."""
    plt = _pyplot()
    names = list(quality)
    fig, ax = plt.subplots(figsize=(7.5, 0.35 * len(names) + 1.2), dpi=110)
    ax.barh(range(len(names)), [100 * quality[n] for n in names], color="tab:blue")
    ax.set_yticks(range(len(names)), [n.split("/")[-1] for n in names], fontsize=7)
    ax.invert_yaxis()
    ax.set_xlabel("quality (%)")
    set_title(ax, title)
    ax.grid(alpha=0.3, axis="x")
    fig.tight_layout()
    out = _save(fig, path)
    plt.close(fig)
    return out
