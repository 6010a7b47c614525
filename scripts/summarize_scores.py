"""Print a Markdown table of the disentanglement scores and FID/KID of evaluated runs
(docs/disentanglement.md), one row per run and, for each recipe with several runs (settings equal
but for the seed and bookkeeping such as threads), a mean ± std row.

    python scripts/summarize_scores.py runs/sprites-s0 runs/sprites-s1 runs/sprites-cr-s0 ...
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

SCORES = {"factor_vae": "FactorVAE", "beta_vae": "BetaVAE", "mig": "MIG", "sap": "SAP",
          "dci_disentanglement": "DCI-D", "dci_completeness": "DCI-C", "dci_informativeness": "DCI-I"}


def recipe(run: Path) -> str:
    settings = json.loads((run / "config.json").read_text())
    for key in ("seed", "threads", "device", "data_dir", "log_every", "sample_every", "checkpoint_every", "eval_every"):
        settings.pop(key, None)  # how a run was bookkept, not what it trained
    return json.dumps(settings, sort_keys=True)


def cell(key: str, value: float) -> str:
    return "–" if np.isnan(value) else f"{value:.1f}" if key == "FID" else f"{value:.3f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", nargs="+", type=Path)
    args = parser.parse_args()
    header = ["run", "updates", *SCORES.values(), "FID", "KID"]
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    groups: dict[str, list[dict]] = {}
    for run in args.runs:
        result = json.loads((run / "eval.json").read_text())
        row = {key: result["disentanglement"][key] for key in SCORES}
        row.update({"FID": result.get("quality", {}).get("fid", np.nan), "KID": result.get("quality", {}).get("kid", np.nan)})
        groups.setdefault(recipe(run), []).append(row)
        print(f"| {run.name} | {result['step']} | " + " | ".join(cell(key, value) for key, value in row.items()) + " |")
        if sum(1 for r in args.runs[args.runs.index(run) + 1 :] if recipe(r) == recipe(run)) == 0 and len(groups[recipe(run)]) > 1:
            rows = groups[recipe(run)]
            cells = []
            for key in rows[0]:
                values = np.array([r[key] for r in rows])
                digits = 1 if key == "FID" else 3
                cells.append("–" if np.isnan(values).any() else f"{values.mean():.{digits}f} ± {values.std(ddof=1):.{digits}f}")
            print(f"| mean ± std of {len(rows)} | | " + " | ".join(cells) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
