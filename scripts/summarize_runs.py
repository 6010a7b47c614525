"""Print a Markdown table of training runs from their metrics.jsonl and eval.json (docs/reproduction.md).

    python scripts/summarize_runs.py runs/mnist-seed0 runs/mnist-seed1 runs/mnist-seed2 runs/mnist-baseline
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def first(rows: list[dict], predicate) -> dict | None:
    return next((row for row in rows if predicate(row)), None)


def summarize(run: Path, target: float = 0.95) -> dict:
    rows = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines() if line.strip()]
    evaluated = [row for row in rows if "accuracy" in row]
    reached = first(evaluated, lambda row: row["accuracy"] >= target)
    mi_at = {s: first(rows, lambda row, s=s: row["step"] >= s) for s in (100, 1000)}
    crossed = first(rows, lambda row: row.get("mi_c1", 0) >= 2.2)
    result = json.loads((run / "eval.json").read_text()) if (run / "eval.json").exists() else {}
    return {
        "run": run.name,
        "updates": rows[-1]["step"],
        "minutes": rows[-1]["elapsed_s"] / 60,
        "images_per_s": sorted(row["images_per_s"] for row in rows)[len(rows) // 2],
        "accuracy": result.get("accuracy", evaluated[-1]["accuracy"] if evaluated else None),
        "best_logged_accuracy": max((row["accuracy"] for row in evaluated), default=None),
        "first_target_step": reached and reached["step"],
        "first_target_minutes": reached and reached["elapsed_s"] / 60,
        "mi_c1_100": mi_at[100] and mi_at[100].get("mi_c1"),
        "mi_c1_1000": mi_at[1000] and mi_at[1000].get("mi_c1"),
        "mi_c1_crosses_2.2_at": crossed and crossed["step"],
        "eval_mi": result.get("mi", {}),
    }


def cell(value, fmt: str) -> str:
    return "–" if value is None else format(value, fmt)


def main() -> int:
    runs = [Path(arg) for arg in sys.argv[1:]]
    if not runs:
        print(__doc__)
        return 2
    print("| run | updates | training min | images/s (median window) | test accuracy (evaluate) | first update ≥ 95 % | min to it "
          "| L_I(c1) at 100 | at 1,000 | first update L_I(c1) ≥ 2.2 | L_I c1 / c2 / c3 (evaluate) |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for run in runs:
        s = summarize(run)
        mi = " / ".join(f"{s['eval_mi'][k]:.3f}" for k in sorted(s["eval_mi"])) or "–"
        print(f"| {s['run']} | {s['updates']} | {s['minutes']:.1f} | {s['images_per_s']:.0f} | {cell(s['accuracy'] and 100 * s['accuracy'], '.2f')} % "
              f"| {cell(s['first_target_step'], 'd')} | {cell(s['first_target_minutes'], '.1f')} | {cell(s['mi_c1_100'], '.2f')} "
              f"| {cell(s['mi_c1_1000'], '.2f')} | {cell(s['mi_c1_crosses_2.2_at'], 'd')} | {mi} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
