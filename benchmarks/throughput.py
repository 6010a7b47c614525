"""Images per second of full InfoGAN updates (D step + G/Q step), side by side in one run.

Measured, in this order, on the paper's MNIST network at one batch size:

* ``matmul``: a dense float32 matrix product, the machine's practical FLOP/s peak, both as
  ``torch.matmul`` (MKL on a CPU) and, on a CPU, as oneDNN's matrix product, which can be much
  faster (about 2x on an AMD CPU with AVX-512);
* ``reference``: the textbook eager loop written out below (the generator runs again for the G
  step, plain Adam, every layer a plain torch layer), with the paper's objective;
* ``reference+<trick>``: the same loop with one speed trick switched on, to see what each buys;
* ``infogan (paper objective)`` and ``infogan (default)``: the package's own training loop
  (``infogan.train``) on synthetic data, without and with the invariance term, and the default
  with ``precision="bf16"``.

For each it prints images/s, the speed-up over the reference and the share of the FLOP-bound
limit, which is a matmul peak divided by the floating-point operations one update needs
(counted from the layer shapes), against each of the two peaks. Peak memory is the process's
(CPU) or CUDA's (GPU) high mark.

``--networks`` measures instead every network (the paper's, and the volume networks with pose
codes) through ``infogan.train`` with its preset (``svhn``, ``celeba``: an image folder of random
pictures; ``faces``, ``chairs``: the rendered ``faces3d`` and ``chairs3d``, whose rendering is
part of each update), next to the renderers' own images/s, so one sees whether rendering keeps up
with training.

    python benchmarks/throughput.py                 # CPU, batch 128
    python benchmarks/throughput.py --device cuda --steps 200
    python benchmarks/throughput.py --networks      # every network, CPU
    python benchmarks/throughput.py --networks --only sprites,sprites+cr --batch-size 64
    python benchmarks/throughput.py --networks --only faces,chairs --render-cache --device cuda   # GPU, pre-rendered data
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from infogan import TrainConfig, data, networks, train
from infogan.codes import LatentSpec
from infogan.model import InfoGAN


def matmul_gflops(device: torch.device, size: int = 2048, repeats: int = 10, onednn: bool = False) -> float:
    a, b = torch.randn(size, size, device=device), torch.randn(size, size, device=device)
    multiply = (lambda: networks.onednn_matmul(a, b)) if onednn else (lambda: a @ b)
    for _ in range(2):
        multiply()
    synchronize(device)
    started = time.perf_counter()
    for _ in range(repeats):
        multiply()
    synchronize(device)
    return 2 * size**3 * repeats / (time.perf_counter() - started) / 1e9


def synchronize(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def layer_macs(network: nn.Module, example: torch.Tensor) -> list[int]:
    """Multiply-accumulates per image of each Linear / Conv2d / ConvTranspose2d layer, in call order."""
    macs = []

    def count(module, inputs, output):
        if isinstance(module, nn.Linear):
            macs.append(module.in_features * module.out_features)
        elif isinstance(module, nn.Conv2d):
            k = module.kernel_size[0] * module.kernel_size[1]
            macs.append(output[0].numel() * module.in_channels * k // module.groups)
        elif isinstance(module, nn.ConvTranspose2d):
            k = module.kernel_size[0] * module.kernel_size[1]
            macs.append(inputs[0][0].numel() * module.out_channels * k // module.groups)

    hooks = [m.register_forward_hook(count) for m in network.modules() if isinstance(m, (nn.Linear, nn.Conv2d, nn.ConvTranspose2d))]
    with torch.no_grad():
        network(example)
    for hook in hooks:
        hook.remove()
    return macs


def update_flops(g_macs: list[int], d_trunk_and_heads: list[int], extra_d_passes: int = 0) -> float:
    """Floating-point operations per image of one update with the generator's output reused.

    A layer's backward costs its forward twice (input gradient and weight gradient), less the
    input gradient of a network's first layer when its input needs none. D step: D forward on
    real and fake, backward of both into D's weights. G step: D forward on the fake, backward
    through D into the image (D frozen: no weight gradients), then G backward. ``extra_d_passes``
    adds the invariance term's two further D passes (one per step) on moved fakes.
    """
    g, d = sum(g_macs), sum(d_trunk_and_heads)
    d_first, g_first = d_trunk_and_heads[0], g_macs[0]
    d_step = 2 * d + 2 * d + 2 * (d - d_first)  # forwards; weight grads; input grads (not needed at the input)
    g_step = d + d + (g - g_first) + g  # D forward; D input grads; G input grads (not at the latent); G weight grads
    per_image = g + d_step + g_step
    if extra_d_passes:
        per_image += d + d + (d - d_first) + d + d  # D step: fwd, weight, input grads; G step: fwd, input grads
    return 2.0 * per_image


def reference_loop(spec: LatentSpec, images: torch.Tensor, batch: int, steps: int, device, trick: str | None = None) -> float:
    """The textbook loop: separate forward passes, the generator run again for the G step, plain Adam.

    ``trick`` switches on one speed-up: ``reuse`` (one generator forward per update),
    ``onednn-linear`` (the package's linear layers, oneDNN matrix products on the CPU),
    ``fused-adam``, ``foreach-off`` (per-parameter Adam), ``channels-last``, ``bf16`` (autocast of
    the forward passes to bfloat16), ``compile`` (``torch.compile`` of both networks) or
    ``cuda-graphs`` (``torch.compile(mode="reduce-overhead")``, which replays CUDA graphs; GPU
    only). Compilation happens in the untimed warm-up.
    """
    networks.Linear.use_onednn = trick == "onednn-linear" and networks.onednn_available()
    try:
        return timed_reference_loop(spec, images, batch, steps, device, trick)
    finally:
        networks.Linear.use_onednn = networks.onednn_available()


def timed_reference_loop(spec, images, batch, steps, device, trick):
    torch.manual_seed(0)
    model = InfoGAN(spec, device=device)
    G, D = model.generator.train(), model.discriminator.train()
    adam = {"fused": True} if trick == "fused-adam" else {"foreach": False} if trick == "foreach-off" else {}
    opt_d = torch.optim.Adam(D.parameters(), lr=2e-4, betas=(0.5, 0.999), **adam)
    opt_g = torch.optim.Adam(G.parameters(), lr=1e-3, betas=(0.5, 0.999), **adam)
    if trick == "channels-last":
        G.to(memory_format=torch.channels_last)
        D.to(memory_format=torch.channels_last)
        images = images.contiguous(memory_format=torch.channels_last)
    if trick in ("compile", "cuda-graphs"):
        mode = "reduce-overhead" if trick == "cuda-graphs" else None
        G, D = torch.compile(G, mode=mode), torch.compile(D, mode=mode)
    autocast = torch.autocast(device.type, dtype=torch.bfloat16, enabled=trick == "bf16")
    timed_from = 5
    for step in range(timed_from + steps):
        if step == timed_from:
            synchronize(device)
            started = time.perf_counter()
        real = images[torch.randint(len(images), (batch,), device=device)]
        noise, codes = spec.sample_noise(batch, device=device), spec.sample_codes(batch, device=device)
        latent = spec.generator_input(noise, codes)

        with autocast:
            fake = G(latent)
            d_real, _ = D(real)
            d_fake, q_fake = D(fake.detach())
        info = sum(spec.log_q(q_fake.float(), codes).values())
        loss_d = F.softplus(-d_real.float()).mean() + F.softplus(d_fake.float()).mean() - info
        opt_d.zero_grad()
        loss_d.backward()
        opt_d.step()

        for p in D.parameters():
            p.requires_grad_(False)
        with autocast:
            if trick != "reuse":
                fake = G(latent)
            d_fake, q_fake = D(fake)
        loss_g = F.softplus(-d_fake.float()).mean() - sum(spec.log_q(q_fake.float(), codes).values())
        opt_g.zero_grad()
        loss_g.backward()
        opt_g.step()
        for p in D.parameters():
            p.requires_grad_(True)
        loss_d.item(), loss_g.item()
    synchronize(device)
    return steps * batch / (time.perf_counter() - started)


def package_loop(root: Path, batch: int, steps: int, device: str, threads: int, **settings) -> float:
    """images/s of ``infogan.train`` after a warm-up window: the mean of the logged windows after the first."""
    window = max(steps // 4, 1)
    config = TrainConfig(
        data_dir=str(root), verify_data=False, batch_size=batch, steps=window * 5, log_every=window,
        sample_every=10**9, checkpoint_every=10**9, eval_every=0, device=device, threads=threads, **settings,
    )  # fmt: skip
    with tempfile.TemporaryDirectory() as out:
        train(config, Path(out) / "run", progress=False)
        rows = [json.loads(line) for line in (Path(out) / "run" / "metrics.jsonl").read_text().splitlines()]
    return float(np.mean([row["images_per_s"] for row in rows[1:]]))


def synthetic_root(folder: Path, size: int = 6000) -> Path:
    rng = np.random.default_rng(0)
    (folder / "mnist").mkdir(parents=True)
    for prefix in ("train", "t10k"):
        data.write_idx(folder / "mnist" / f"{prefix}-images-idx3-ubyte", rng.integers(0, 256, (size, 28, 28), dtype=np.uint8))
        data.write_idx(folder / "mnist" / f"{prefix}-labels-idx1-ubyte", rng.integers(0, 10, size, dtype=np.uint8))
    return folder


NETWORK_PRESETS = {"mnist": "mnist", "svhn": "svhn", "celeba": "celeba", "faces": "faces-azimuth", "chairs": "chairs-rotation",
                   "sprites": "sprites", "sprites+cr": "sprites-cr", "faces-volume": "faces-azimuth",
                   "faces-volume-unstyled": "faces-azimuth", "chairs-volume": "chairs-rotation",
                   "chairs-volume-unstyled": "chairs-rotation", "chairs-volume16-unstyled": "chairs-rotation",
                   "chairs-volume16-unstyled-d256": "chairs-rotation"}
# the volume networks have no preset: their data's preset with the pose codes docs/experiments.md trained them with
VOLUME_SETTINGS = {"faces-volume": {"network": "faces-volume", "codes": "yaw:-75:75,pitch:-30:30,cont:3"},
                   "faces-volume-unstyled": {"network": "faces-volume-unstyled", "codes": "yaw:-75:75,pitch:-30:30,light:-70:70,cont:2"},
                   "chairs-volume": {"network": "chairs-volume", "codes": "cat:12,yaw:-180:180,cont:1", "lambda_cont": 0.2, "lr_g": 5e-4},
                   **{network: {"network": network, "codes": "cat:12,yaw:-180:180,stretch:0.7:1.3", "lambda_cont": 0.2, "lr_g": 5e-4,
                                "mirror_volume": True}
                       for network in ("chairs-volume-unstyled", "chairs-volume16-unstyled", "chairs-volume16-unstyled-d256")}}


def random_image_folder(folder: Path, count: int = 512) -> Path:
    from PIL import Image

    rng = np.random.default_rng(0)
    folder.mkdir(parents=True)
    for i in range(count):
        Image.fromarray(rng.integers(0, 256, (32, 32, 3), dtype=np.uint8)).save(folder / f"{i:04d}.png")
    return folder


def rendered_per_s(name: str, batch: int, repeats: int = 5) -> float:
    dataset = data.load_dataset(name)
    dataset.images(np.arange(batch))
    started = time.perf_counter()
    for r in range(repeats):
        dataset.images((np.arange(batch) * 7919 + r * batch) % len(dataset))
    return repeats * batch / (time.perf_counter() - started)


def every_network(batch: int, steps: int, device: str, threads: int, only: list[str] | None = None, render_cache: bool = False) -> dict:
    """images/s of ``infogan.train`` per network with its preset, and each renderer's images/s;
    ``sprites+cr`` is the sprites network with InfoGAN-CR's term on from the first update.
    ``render_cache``: rendered data is read from its pre-rendered file (built first if missing)."""
    results = {}
    with tempfile.TemporaryDirectory() as folder:
        mnist_root = synthetic_root(Path(folder) / "idx")
        pictures = random_image_folder(Path(folder) / "pictures")
        for network, preset in NETWORK_PRESETS.items():
            if only and network not in only:
                continue
            root, dataset = mnist_root, TrainConfig.from_preset(preset).dataset
            if network in ("svhn", "celeba"):
                root, dataset = pictures, "folder"
            chosen = ("network", "codes", "noise", "lambda_cat", "lambda_cont", "lambda_invariant", "lr_d", "lr_g", "learn_std",
                      "leaky_slope", "cr_weight")
            settings = {k: v for k, v in TrainConfig.from_preset(preset).to_dict().items() if k in chosen}
            settings.update(VOLUME_SETTINGS.get(network, {}))
            speed = package_loop(root, batch, steps, device, threads, dataset=dataset, render_cache=render_cache, **settings)
            row = {"preset": preset, "dataset": dataset, "trained_per_s": speed}
            if dataset in ("faces3d", "chairs3d", "sprites"):
                row["rendered_per_s"] = rendered_per_s(dataset, batch)
            results[network] = row
            print(f"{network:<31}{preset:<17}{dataset:<10}{speed:>10.1f}" + (f"{row['rendered_per_s']:>12.0f}" if "rendered_per_s" in row else ""), flush=True)
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--steps", type=int, default=40, help="timed updates per measurement")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--threads", type=int, default=0, help="torch CPU threads (default: torch's choice)")
    parser.add_argument("--tricks", default="reuse,onednn-linear,fused-adam,foreach-off,channels-last,compile", help="reference variants, comma-separated ('' for none)")
    parser.add_argument("--json", help="also write the figures to this file")
    parser.add_argument("--networks", action="store_true", help="measure every network of the paper (and the renderers) instead")
    parser.add_argument("--only", help="with --networks: these networks only, comma-separated (e.g. sprites,sprites+cr)")
    parser.add_argument("--render-cache", action="store_true", help="with --networks: rendered data from its pre-rendered file")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    if args.networks:
        print(f"device {device} ({torch.get_num_threads()} threads), torch {torch.__version__}, batch {args.batch_size}")
        print(f"{'network':<31}{'preset':<17}{'data':<10}{'trained/s':>10}{'rendered/s':>12}")
        results = every_network(args.batch_size, args.steps, args.device, args.threads, args.only.split(",") if args.only else None,
                                args.render_cache)
        if args.json:
            Path(args.json).write_text(json.dumps(results, indent=2))
        return 0
    spec = LatentSpec.parse("cat:10,cont:2", 62)

    probe = InfoGAN(spec)
    g_macs = layer_macs(probe.generator.eval(), spec.generator_input(spec.sample_noise(2), spec.sample_codes(2)))
    d_macs = layer_macs(probe.discriminator.eval(), torch.rand(2, 1, 28, 28))
    flops = {"paper objective": update_flops(g_macs, d_macs), "default": update_flops(g_macs, d_macs, extra_d_passes=2)}

    peaks = {"torch.matmul": matmul_gflops(device)}
    if device.type == "cpu" and networks.onednn_available():
        peaks["oneDNN"] = matmul_gflops(device, onednn=True)
    print(f"device {device} ({torch.get_num_threads()} threads), torch {torch.__version__}, batch {args.batch_size}")
    for source, peak in peaks.items():
        print(f"matmul peak, {source}: {peak:.1f} GFLOP/s")
        for name, value in flops.items():
            print(f"  one update, {name}: {value / 1e6:.1f} MFLOP per image -> FLOP-bound limit {peak * 1e9 / value:.0f} images/s")

    images = torch.rand(6000, 1, 28, 28, device=device)
    results = {"reference": reference_loop(spec, images, args.batch_size, args.steps, device)}
    for trick in filter(None, args.tricks.split(",")):
        try:
            results[f"reference+{trick}"] = reference_loop(spec, images, args.batch_size, args.steps, device, trick)
        except Exception as error:  # a trick this torch/device cannot do is reported, not fatal
            print(f"reference+{trick}: failed ({type(error).__name__}: {str(error).splitlines()[0][:160]})")
    with tempfile.TemporaryDirectory() as folder:
        root = synthetic_root(Path(folder))
        results["infogan (paper objective)"] = package_loop(root, args.batch_size, args.steps, args.device, args.threads, lambda_invariant=0.0)
        results["infogan (default)"] = package_loop(root, args.batch_size, args.steps, args.device, args.threads)
        results["infogan (default, bf16)"] = package_loop(root, args.batch_size, args.steps, args.device, args.threads, precision="bf16")

    print(f"\n{'loop':<28}{'images/s':>10}{'vs reference':>14}" + "".join(f"{'of bound (' + source + ')':>26}" for source in peaks))
    for name, speed in results.items():
        needed = flops["default"] if name.startswith("infogan (default") else flops["paper objective"]
        shares = "".join(f"{speed * needed / (peak * 1e9):>26.0%}" for peak in peaks.values())
        print(f"{name:<28}{speed:>10.1f}{speed / results['reference']:>13.2f}x{shares}")
    if device.type == "cuda":
        memory = torch.cuda.max_memory_allocated(device) / 2**20
        print(f"\npeak CUDA memory: {memory:.0f} MiB")
    else:
        memory = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"\npeak memory (process, max RSS): {memory:.0f} MiB")
    if args.json:
        Path(args.json).write_text(json.dumps({"peak_gflops": peaks, "flops_per_image": flops, "images_per_s": results, "peak_memory_mib": memory}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
