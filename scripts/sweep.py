"""Train several settings over several seeds, many runs at once, and collect their accuracy curves.

This is how the defaults were chosen (docs/reproduction.md): each variant is a set of extra
`infogan train` flags; every (variant, seed) pair is one run; runs go seed-major so that, when the
deadline stops the sweep early, every variant has the same seeds. One JSON line per finished run
goes to SUMMARY: the accuracy at every evaluation, the final information bounds and the time.

    python scripts/sweep.py --variants variants.json --seeds 0-7 --jobs 12 --summary sweep.jsonl \
        -- --steps 5000 --eval-every 250 --data-dir /data --device cuda
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path


def parse_seeds(text: str) -> list[int]:
    seeds = []
    for part in text.split(","):
        low, _, high = part.partition("-")
        seeds.extend(range(int(low), int(high or low) + 1))
    return seeds


def run_one(name: str, flags: list[str], seed: int, common: list[str], workdir: Path, deadline: float) -> dict | None:
    if time.time() > deadline:
        return None
    out = workdir / f"{name}-seed{seed}"
    command = [sys.executable, "-m", "infogan", "train", "--out", str(out), "--seed", str(seed), "--quiet", *common, *flags]
    started = time.time()
    result = subprocess.run(command, capture_output=True, text=True)
    record = {"variant": name, "seed": seed, "flags": flags, "returncode": result.returncode, "wall_s": time.time() - started}
    if result.returncode != 0:
        record["error"] = result.stderr[-2000:]
        return record
    rows = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines() if line.strip()]
    record["accuracy"] = {row["step"]: round(row["accuracy"], 4) for row in rows if "accuracy" in row}
    record["final"] = {k: v for k, v in rows[-1].items() if k.startswith("mi_") or k in ("step", "elapsed_s", "images_per_s")}
    return record


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--variants", required=True, help="JSON file: {name: [extra train flags]}")
    parser.add_argument("--seeds", default="0-2", help="e.g. 0-7 or 0,3,5")
    parser.add_argument("--jobs", type=int, default=os.cpu_count())
    parser.add_argument("--summary", required=True, help="JSON-lines file to append finished runs to")
    parser.add_argument("--workdir", help="where the run folders go (default: a temporary folder)")
    parser.add_argument("--deadline-s", type=float, default=float("inf"), help="start no run after this many seconds")
    parser.add_argument("common", nargs="*", help="flags for every run, after --")
    args = parser.parse_args()

    variants = json.loads(Path(args.variants).read_text())
    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="sweep-"))
    deadline = time.time() + args.deadline_s
    jobs = [(name, flags, seed) for seed in parse_seeds(args.seeds) for name, flags in variants.items()]
    with ThreadPoolExecutor(args.jobs) as pool, open(args.summary, "a") as summary:
        futures = [pool.submit(run_one, name, flags, seed, args.common, workdir, deadline) for name, flags, seed in jobs]
        for future in as_completed(futures):
            record = future.result()
            if record is not None:
                summary.write(json.dumps(record) + "\n")
                summary.flush()
                accuracy = record.get("accuracy", {})
                last = f"{max(accuracy.values()):.3f} best, {list(accuracy.values())[-1]:.3f} last" if accuracy else record.get("error", "")[-200:]
                print(f"{record['variant']:>24} seed {record['seed']}: {last} ({record['wall_s']:.0f} s)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
