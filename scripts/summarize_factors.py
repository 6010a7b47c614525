"""Print a Markdown table of runs on data with known factors, from their eval.json (docs/experiments.md).

For each run: each factor's best code and score, and the scores when every factor must be
captured by a different code (the best one-to-one matching of factors to codes). With several
runs of one recipe (settings equal but for the seed), a last row gives each factor's matched
score as mean ± std over the runs.

    python scripts/summarize_factors.py runs/faces-seed0 runs/faces-seed1 [--factors azimuth,elevation,lighting,width]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
from scipy.optimize import linear_sum_assignment


def matched(table: dict, factors: list[str]) -> dict[str, tuple[str, float]]:
    """Each factor's code and score under the best one-to-one matching of factors to codes; with
    fewer codes than factors, the factors left without a code are not in the result."""
    rows = [table["factors"].index(name) for name in factors]
    scores = np.asarray(table["scores"])[rows]
    chosen_rows, chosen_codes = linear_sum_assignment(scores, maximize=True)
    return {factors[r]: (table["codes"][c], float(scores[r, c])) for r, c in zip(chosen_rows, chosen_codes)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", nargs="+")
    parser.add_argument("--factors", help="comma-separated factors to match (default: every factor)")
    parser.add_argument("--threshold", type=float, default=0.9)
    args = parser.parse_args()
    summaries, recipes = [], set()
    for run in map(Path, args.runs):
        for needed in ("config.json", "metrics.jsonl", "eval.json"):
            if not (run / needed).is_file():
                hint = f"; run infogan evaluate {run} first" if needed == "eval.json" else ""
                parser.error(f"{run} has no {needed}{hint}")
        settings = json.loads((run / "config.json").read_text())
        recipes.add(json.dumps({k: v for k, v in settings.items() if k not in ("seed", "threads", "device", "data_dir")}, sort_keys=True))
        result = json.loads((run / "eval.json").read_text())
        table = result["factors"]
        factors = args.factors.split(",") if args.factors else table["factors"]
        metrics = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines() if line.strip()]
        summaries.append((run.name, result["step"], metrics[-1]["elapsed_s"] / 60, table, matched(table, factors)))
    factors = args.factors.split(",") if args.factors else summaries[0][3]["factors"]
    print("| run | updates | min | " + " | ".join(f"{f}: best code | {f}: own code" for f in factors) + f" | all ≥ {args.threshold} on own codes |")
    print("|---|---|---|" + "---|---|" * len(factors) + "---|")
    for name, step, minutes, table, own in summaries:
        cells = []
        for factor in factors:
            best = table["captured"][factor]
            cells += [f"{best['code']} {best['score']:.2f}", f"{own[factor][0]} {own[factor][1]:.2f}" if factor in own else "– (no code left)"]
        success = len(own) == len(factors) and all(score >= args.threshold for _, score in own.values())
        print(f"| {name} | {step} | {minutes:.0f} | " + " | ".join(cells) + f" | {'yes' if success else 'no'} |")
    if len(summaries) > 1 and len(recipes) == 1:
        cells = []
        for factor in factors:
            if any(factor not in own for *_, own in summaries):
                cells += ["", "– (a run has no code left)"]
                continue
            values = np.array([own[factor][1] for *_, own in summaries])
            cells += ["", f"{values.mean():.2f} ± {values.std(ddof=1):.2f}"]
        print("| mean ± std | | | " + " | ".join(cells) + " | |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
