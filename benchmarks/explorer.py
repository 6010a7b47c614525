"""How fast ``infogan explore`` answers: milliseconds per request, for every network of the paper.

For each preset's network (untrained weights: the cost of a forward pass does not depend on
them) it starts the explorer's server and, from this process over HTTP as the page does, asks
for one image with a code changed on every request (a slider being dragged) and for the default
grid (6 noise draws x 9 values of one code; x each category of CelebA's categorical code). It prints the median and 90th percentile round
trip, which is what a user waits for, generator and PNG encoding included.

    python benchmarks/explorer.py                   # every network, 40 requests of each kind
    python benchmarks/explorer.py --requests 100 --threads 2
"""

from __future__ import annotations

import argparse
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

import numpy as np
import torch

from infogan.checkpoint import save_checkpoint
from infogan.config import TrainConfig
from infogan.explorer import make_server
from infogan.model import InfoGAN

PRESETS = ("mnist", "svhn", "faces-azimuth", "sprites", "celeba", "chairs-rotation")


def saved_run(preset: str, folder: Path) -> Path:
    config = TrainConfig.from_preset(preset)
    model = InfoGAN.from_config(config)
    save_checkpoint({"config": config.to_dict(), "step": 0, "generator": model.generator.state_dict(),
                     "discriminator": model.discriminator.state_dict()}, folder / "checkpoint.pt")
    return folder


def timed(opener, url: str) -> float:
    started = time.perf_counter()
    with opener.open(url, timeout=60) as response:
        response.read()
    return 1000 * (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=40, help="requests of each kind per network")
    parser.add_argument("--threads", type=int, default=1, help="torch threads of the server (default 1)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    opener = urllib.request.build_opener()
    print(f"torch {torch.__version__}, {args.threads} thread(s), {args.requests} requests of each kind")
    print(f"{'network':<10}{'image':>8}{'one image: median':>20}{'p90 (ms)':>10}{'grid: median':>19}{'p90 (ms)':>10}")
    with tempfile.TemporaryDirectory() as scratch:
        for preset in PRESETS:
            run = saved_run(preset, Path(scratch) / preset)
            server = make_server(run, port=0)
            threading.Thread(target=server.serve_forever, daemon=True).start()
            host, port = server.server_address[:2]
            base = f"http://{host}:{port}"
            spec = server.explorer.model.spec
            code = next((c for c in spec.codes if c.kind == "cont"), spec.codes[0])  # CelebA's codes are all categorical
            timed(opener, f"{base}/image.png?seed=0")  # warm-up
            values = [f"{v:.2f}" for v in np.linspace(-2, 2, args.requests)] if code.kind == "cont" else \
                [str(k % code.categories) for k in range(args.requests)]
            single = [timed(opener, f"{base}/image.png?seed=3&{code.name}={v}") for v in values]
            grid = [timed(opener, f"{base}/grid.png?seed=3&sweep={code.name}&rows=6&columns=9") for _ in range(max(args.requests // 4, 3))]
            server.shutdown()
            server.server_close()
            shape = "x".join(map(str, server.explorer.model.image_shape))
            print(f"{server.explorer.model.network:<10}{shape:>8}{np.median(single):>20.1f}{np.percentile(single, 90):>10.1f}"
                  f"{np.median(grid):>19.1f}{np.percentile(grid, 90):>10.1f}")


if __name__ == "__main__":
    main()
