"""PNG plots of a run: quality metrics per configuration, latency distributions, field recall by kind.

matplotlib runs on the Agg backend (no display needed) and is imported only when plotting.
"""
from __future__ import annotations

from pathlib import Path

RATE_KEYS = (("study_recall_at_k", "study recall@k"), ("field_recall_at_k", "field recall@k"), ("mrr", "MRR"),
             ("answer_correct", "answer correct"), ("expect_accuracy", "expected status"),
             ("citation_precision", "citation precision"), ("sentence_citation_coverage", "sentences cited"))
LATENCY_KEYS = (("sources", "sources"), ("first_token", "first token"), ("answer", "answer"))


def _plt():
    import matplotlib

    matplotlib.use("Agg")  # headless: never needs a display
    import matplotlib.pyplot as plt

    return plt


def plot_metrics(results: dict, path: Path) -> None:
    plt = _plt()
    names = list(results["configs"])
    fig, ax = plt.subplots(figsize=(max(7.0, 1.3 * len(RATE_KEYS) * max(1, len(names)) / 2.5), 4.2))
    width = 0.8 / max(1, len(names))
    for i, name in enumerate(names):
        m = results["configs"][name]["metrics"]
        xs = [j + i * width for j in range(len(RATE_KEYS))]
        vals = [m.get(key) for key, _ in RATE_KEYS]
        bars = ax.bar(xs, [v or 0 for v in vals], width, label=name)
        for b, v in zip(bars, vals):
            ax.annotate("–" if v is None else f"{v:.2f}", (b.get_x() + b.get_width() / 2, b.get_height()),
                        ha="center", va="bottom", fontsize=7, xytext=(0, 1), textcoords="offset points")
    ax.set_xticks([j + width * (len(names) - 1) / 2 for j in range(len(RATE_KEYS))])
    ax.set_xticklabels([label for _, label in RATE_KEYS], rotation=20, ha="right")
    ax.set_ylim(0, 1.12)
    ax.set_ylabel("share (higher is better)")
    ax.set_title(f"Metrics per configuration (k = {results['k']}, n = {results.get('n_questions')})")
    ax.legend(fontsize=8, ncols=min(4, len(names)))
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_latency(results: dict, path: Path) -> None:
    plt = _plt()
    names = list(results["configs"])
    fig, axes = plt.subplots(1, len(LATENCY_KEYS), figsize=(4 * len(LATENCY_KEYS), 3.8), sharey=False)
    for ax, (key, label) in zip(axes, LATENCY_KEYS):
        # clamp at 1 ms: a decline answers in ~0 ms, which a log scale cannot show
        data = [[max(1.0, q["ms"][key]) for q in results["configs"][n]["questions"]
                 if (q.get("ms") or {}).get(key) is not None] for n in names]
        present = [(n, d) for n, d in zip(names, data) if d]
        if present:
            ax.boxplot([d for _, d in present], showfliers=True)
            ax.set_xticks(range(1, len(present) + 1))
            ax.set_xticklabels([n for n, _ in present], rotation=20, ha="right", fontsize=8)
            if max(max(d) for _, d in present) > 20 * max(1.0, min(min(d) for _, d in present)):
                ax.set_yscale("log")  # sources in ms vs generation in seconds: one scale hides one of them
        else:
            ax.text(0.5, 0.5, "no data", ha="center", va="center", transform=ax.transAxes)
            ax.set_xticks([])
        ax.set_title(f"ms to {label}")
        ax.grid(axis="y", alpha=0.3)
    fig.suptitle("Latency per question")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_by_kind(results: dict, path: Path, key: str = "field_recall_at_k") -> bool:
    names = list(results["configs"])
    # only kinds where some configuration has a value (abstain/decline kinds have no expected fields)
    kinds = sorted({k for c in results["configs"].values() for k, m in c.get("by_kind", {}).items()
                    if m.get(key) is not None})
    if not kinds or not names:
        return False
    plt = _plt()
    import numpy as np

    grid = np.full((len(kinds), len(names)), np.nan)
    for j, n in enumerate(names):
        for i, kind in enumerate(kinds):
            v = results["configs"][n].get("by_kind", {}).get(kind, {}).get(key)
            if v is not None:
                grid[i, j] = v
    fig, ax = plt.subplots(figsize=(1.6 + 1.4 * len(names), 1.2 + 0.45 * len(kinds)))
    im = ax.imshow(grid, vmin=0, vmax=1, cmap="viridis", aspect="auto")
    for i in range(len(kinds)):
        for j in range(len(names)):
            v = grid[i, j]
            ax.text(j, i, "–" if np.isnan(v) else f"{v:.2f}", ha="center", va="center", fontsize=8,
                    color="black" if np.isnan(v) or v >= 0.6 else "white")
    ax.set_xticks(range(len(names)))
    ax.set_xticklabels(names, rotation=20, ha="right", fontsize=8)
    ax.set_yticks(range(len(kinds)))
    ax.set_yticklabels(kinds, fontsize=8)
    ax.set_title(f"{key} by kind")
    fig.colorbar(im, ax=ax, fraction=0.04)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def write_plots(results: dict, out_dir: Path) -> dict[str, str]:
    """Write the PNGs; returns {title: file name} (relative, for the report)."""
    out_dir = Path(out_dir)
    plot_metrics(results, out_dir / "metrics.png")
    plot_latency(results, out_dir / "latency.png")
    files = {"metrics per configuration": "metrics.png", "latency distribution": "latency.png"}
    if plot_by_kind(results, out_dir / "field_recall_by_kind.png"):
        files["field recall by kind"] = "field_recall_by_kind.png"
    return files
