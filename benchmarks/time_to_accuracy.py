"""Wall-clock time until the categorical code's unsupervised MNIST test accuracy first reaches a target.

Trains with the default settings (or the flags after ``--``) and evaluates every ``--eval-every``
updates; training stops at the first evaluation at or above ``--target``. The clock covers the
whole ``infogan.train`` call (data loading, training and the evaluations themselves).

    python benchmarks/time_to_accuracy.py --data-dir DATA --seeds 0 --target 0.95
    python benchmarks/time_to_accuracy.py --data-dir DATA --seeds 0,1,2 -- --device cuda --batch-size 256
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

from infogan import train
from infogan.cli import build_parser, train_config_from_args


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", help="data root (default $INFOGAN_DATA, then the cache)")
    parser.add_argument("--seeds", default="0", help="comma-separated seeds")
    parser.add_argument("--target", type=float, default=0.95)
    parser.add_argument("--eval-every", type=int, default=250)
    parser.add_argument("--max-steps", type=int, default=10000, help="give up after this many updates")
    parser.add_argument("--json", help="also write the results to this file")
    parser.add_argument("train_flags", nargs="*", help="further `infogan train` flags, after --")
    args = parser.parse_args()

    results = []
    for seed in (int(s) for s in args.seeds.split(",")):
        flags = ["train", "--seed", str(seed), "--steps", str(args.max_steps), "--eval-every", str(args.eval_every),
                 "--log-every", str(args.eval_every), "--stop-at-accuracy", str(args.target), *args.train_flags]  # fmt: skip
        if args.data_dir:
            flags += ["--data-dir", args.data_dir]
        config, _, _ = train_config_from_args(build_parser().parse_args(flags))
        with tempfile.TemporaryDirectory() as folder:
            started = time.perf_counter()
            last = train(config, Path(folder) / "run", progress=False)
            wall = time.perf_counter() - started
        reached = last.get("accuracy", 0.0) >= args.target
        results.append({"seed": seed, "reached": reached, "updates": last["step"], "accuracy": last.get("accuracy"),
                        "wall_s": wall, "training_s": last["elapsed_s"], "device": config.device})  # fmt: skip
        state = f"reached {last['accuracy']:.4f}" if reached else f"did not reach {args.target} (last {last.get('accuracy', 0):.4f})"
        print(f"seed {seed}: {state} after {last['step']} updates, {wall / 60:.1f} min wall-clock "
              f"({last['elapsed_s'] / 60:.1f} min in the training loop)", flush=True)  # fmt: skip
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2) + "\n")
    return 0 if all(r["reached"] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
