"""The InfoGAN training loop, top to bottom.

Each update: draw z and c from their priors and generate a batch; a D step on real and fake;
then a G step on the same fake batch against the updated D (the losses are in ``objective``).
Real images stay uint8 in the dataset and become floats one batch at a time. Under ``torchrun``
each process takes its slice of every global batch and DistributedDataParallel averages the
gradients.
"""

from __future__ import annotations

import json
import math
import signal
import threading
import time
import warnings
from pathlib import Path

import numpy as np
import torch
from torch import nn
from tqdm import tqdm

from . import data, distributed
from .augment import apply_grid
from .checkpoint import (
    BEST_NAME,
    CHECKPOINT_NAME,
    CheckpointError,
    atomic_write_text,
    check_writable,
    checkpoint_bytes,
    keep_history,
    load_checkpoint,
    remove_temporaries,
    save_checkpoint,
)
from .config import ConfigError, TrainConfig
from .errors import InfoganError
from .figures import category_sweep, save_grid
from .logger import MetricsLog
from .metrics import factor_scores, labelled_accuracy
from .model import InfoGAN
from .networks import PairClassifier, architecture, check_image_shape, init_weights
from .objective import Objective


def resolve_device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name.startswith("cuda") and not torch.cuda.is_available():
        raise RuntimeError(f"device {name!r} asked for, but no CUDA GPU is available here (use --device cpu)")
    return torch.device(name)


def epoch_order(seed: int, epoch: int, size: int) -> torch.Tensor:
    """The shuffled order of one epoch, a pure function of (seed, epoch) so a resumed run sees the same batches."""
    generator = torch.Generator().manual_seed(seed * 1_000_003 + epoch)
    return torch.randperm(size, generator=generator)


def lay_out_like_parameters(optimizer: torch.optim.Optimizer) -> None:
    """Give the optimiser's state the memory layout of its parameters. A checkpoint from a GPU run
    or an older version holds it contiguous, and fused Adam on the CPU silently computes wrong
    steps for a channels-last parameter whose state is laid out differently (PyTorch 2.13)."""
    for parameter, state in optimizer.state.items():
        for key, value in state.items():
            if torch.is_tensor(value) and value.shape == parameter.shape:
                state[key] = torch.empty_like(parameter).copy_(value)


class Evaluator:
    """What ``--eval-every`` measures on held-out data: the unsupervised accuracy where the data
    has class labels, each factor's best code score where its generating factors are known."""

    def __init__(self, dataset: data.Dataset, factor_samples: int = 2000):
        self.dataset, self.factor_samples = dataset, factor_samples

    def __call__(self, model: InfoGAN) -> dict[str, float]:
        scores = {}
        if self.dataset.classes:
            result = labelled_accuracy(model, self.dataset)
            if result is not None:
                scores["accuracy"] = result["accuracy"]
        if self.dataset.factors:
            for name, best in factor_scores(model, self.dataset, self.factor_samples)["captured"].items():
                scores[f"factor_{name}"] = best["score"]
        return scores


def load_data(config: TrainConfig, main: bool) -> tuple[data.Dataset, "Evaluator | None"]:
    """The training split, checked against the network, and (on the main process, when
    ``eval_every``) an evaluator on the test split when it has labels or known factors."""
    network = config.resolved_network()
    train_set = data.load_dataset(config.dataset, "train", config.data_dir, config.verify_data, architecture(network).image_shape)
    check_image_shape(train_set.shape, network, config.dataset)
    if config.render_cache and isinstance(train_set, data.RenderedDataset):
        from .data.prerendered import attach_render_cache

        attach_render_cache(train_set)
    if len(train_set) < config.batch_size:
        raise data.DataError(f"the training set has {len(train_set)} images, fewer than one batch of {config.batch_size}")
    if config.stop_at_accuracy and not train_set.classes:
        raise ConfigError(f"--stop-at-accuracy needs class labels, and {config.dataset} has none")
    evaluator = None
    if config.eval_every and main:
        test_set = data.load_dataset(config.dataset, "test", config.data_dir, config.verify_data, train_set.shape)
        evaluator = Evaluator(test_set) if test_set.classes or test_set.factors else None
    return train_set, evaluator


def restore(state: dict, G, D, opt_d, opt_g, device: torch.device, classifier=None, opt_cr=None) -> tuple[int, float]:
    """Load a checkpoint's weights, optimiser and RNG states; return its step and elapsed seconds."""
    G.load_state_dict(state["generator"])
    D.load_state_dict(state["discriminator"])
    opt_d.load_state_dict(state["opt_d"])
    opt_g.load_state_dict(state["opt_g"])
    if classifier is not None and "pair_classifier" in state:
        classifier.load_state_dict(state["pair_classifier"])
        opt_cr.load_state_dict(state["opt_cr"])
        lay_out_like_parameters(opt_cr)
    torch.set_rng_state(state["rng_cpu"])
    lay_out_like_parameters(opt_d)
    lay_out_like_parameters(opt_g)
    if device.type == "cuda" and state.get("rng_cuda") is not None:
        torch.cuda.set_rng_state(state["rng_cuda"], device)
    return state["step"], state["elapsed_s"]


def progress_summary(last: dict, entropies: dict[str, float]) -> dict[str, str]:
    """The progress bar's losses, information bounds (of H(c)), accuracy and factor scores."""
    shown = {"D": f"{last['loss_d']:.3f}", "G": f"{last['loss_g']:.3f}"}
    for name in entropies:
        shown[name] = f"{last[f'mi_{name}']:.2f}/{entropies[name]:.2f}"
    if "accuracy" in last:
        shown["acc"] = f"{last['accuracy']:.3f}"
    for key in (k for k in last if k.startswith("factor_")):
        shown[key[len("factor_"):]] = f"{last[key]:.2f}"
    return shown


class Stopped(KeyboardInterrupt):
    """Training stopped by a signal (SIGINT: Ctrl-C; SIGTERM: what schedulers send) after the
    update in flight, with a checkpoint saved."""

    def __init__(self, signal_name: str):
        super().__init__(signal_name)
        self.signal_name = signal_name


class DivergenceError(InfoganError, RuntimeError):
    """A loss or a weight became NaN or infinite; nothing after the last good checkpoint was saved."""


def divergence_message(what: str, step: int, saved_step: int | None, config: TrainConfig, out: Path) -> str:
    kept = (f"the last good checkpoint (update {saved_step}) is kept untouched; continue from it with smaller ones: "
            f"infogan train --resume {out} --lr-d {config.lr_d / 2:g} --lr-g {config.lr_g / 2:g}") if saved_step is not None \
        else f"no checkpoint was written yet; start again with smaller ones (--lr-d {config.lr_d / 2:g} --lr-g {config.lr_g / 2:g})"
    return (f"training diverged: {what} at update {step}. The usual cause is learning rates too high for this data and "
            f"batch size (lr_d {config.lr_d:g}, lr_g {config.lr_g:g}): {kept}")


COLLAPSED_SPREAD = 0.05  # measured: 0.09-1.31 early in training, 0.94-1.26 trained, 0.001-0.030 in black-image collapses
COLLAPSED_LOGS = 3  # logging windows in a row below it (one sprites batch dipped to 0.02 and recovered)


def pixel_spread(images: torch.Tensor) -> torch.Tensor:
    """Each pixel's standard deviation over the batch, averaged over the pixels."""
    return images.detach().float().std(0).mean()


def image_spread(fake: torch.Tensor, real: torch.Tensor) -> torch.Tensor:
    """How much G's images differ from one another, as a fraction of how much real ones do. Near
    0, G makes one image for every latent: the information term can hide that, since Q still
    reads codes written in faint pixel changes of that one image."""
    return pixel_spread(fake) / pixel_spread(real).clamp_min(1e-12)


def collapse_warning(step: int, spread: float, out: Path) -> str:
    return (f"G's images have nearly stopped varying at update {step} (their spread is {spread:.3f} of the real images'; "
            f"see {out / 'samples'}): G has collapsed, whatever Q's information bounds say. Earlier checkpoints exist only if it runs "
            f"with --keep N; a smaller --lambda-cont / --lambda-cat or --instance-noise usually avoids it")


CHANCE_UPDATES = 2000  # chairs3d at 2e-3: five classifiers left chance 550 and 8,350 updates after the term began, or never; at 2e-4 within 100


def classifier_at_chance(loss_cr: float, codes: int) -> bool:
    """Whether InfoGAN-CR's pair classifier is doing no better than guessing which of ``codes``
    codes a pair shares (cross-entropy within 1% of ln ``codes``, or above it)."""
    return loss_cr >= 0.99 * math.log(codes)


def chance_warning(step: int, updates: int, loss_cr: float, codes: int) -> str:
    return (f"InfoGAN-CR's pair classifier has guessed at chance for {updates} updates up to update {step} (its loss {loss_cr:.3f}, "
            f"ln {codes} = {math.log(codes):.3f}), so the contrastive term pushes G nowhere; a smaller --lr-cr usually lets it learn")


def bf16_is_emulated(device: torch.device) -> bool:
    """Whether bfloat16 autocast on ``device`` falls back to PyTorch's slow reference kernels: on a
    CPU without AVX-512 BF16 or AMX, where oneDNN has no bfloat16 path (an unknown answer counts as
    native, so nothing is claimed that was not checked)."""
    if device.type != "cpu":
        return False
    try:
        return not torch.ops.mkldnn._is_mkldnn_bf16_supported()
    except (AttributeError, RuntimeError):
        return False


def bf16_warning() -> str:
    return ("--precision bf16 on this CPU runs in PyTorch's fallback kernels (it has no AVX-512 BF16 or AMX): measured 17-19x "
            "slower than fp32 for the MNIST networks on such a CPU. Use fp32 here; bf16 pays only on CPUs with those instructions")


def evaluation_score(row: dict) -> float | None:
    """What ``best.pt`` keeps the best of: the test accuracy on labelled data, else the mean of
    the factors' best-code scores on data with known factors."""
    if "accuracy" in row:
        return row["accuracy"]
    factors = [value for key, value in row.items() if key.startswith("factor_")]
    return sum(factors) / len(factors) if factors else None


def train(config: TrainConfig, out_dir: str | Path, resume: bool = False, progress: bool = True) -> dict:
    """Train (or, with ``resume``, continue) the run in ``out_dir``; returns the last logged metrics.
    A run killed before its first checkpoint resumes from update 0 with the settings it saved."""
    out = Path(out_dir)
    has_checkpoint = (out / CHECKPOINT_NAME).exists()
    if has_checkpoint and not resume:
        raise CheckpointError(f"{out} already holds a run; continue it with --resume {out} or choose another --out")
    if resume and not has_checkpoint and not (out / "config.json").exists():
        raise CheckpointError(f"nothing to resume in {out}: it has no checkpoint.pt and no config.json")
    state = load_checkpoint(out) if resume and has_checkpoint else None
    config.validate()
    if config.threads:
        torch.set_num_threads(config.threads)
    world = distributed.setup(resolve_device(config.device))
    try:
        return train_in_world(config, out, state, world, progress)
    finally:
        world.close()


def train_in_world(config: TrainConfig, out: Path, state: dict | None, world: distributed.World, progress: bool) -> dict:
    device, main = world.device, world.is_main
    if config.batch_size % world.size:
        raise ConfigError(f"batch size {config.batch_size} does not split evenly over {world.size} processes")
    if config.hessian_weight and world.size > 1:
        raise ConfigError("--hessian-weight runs G several times per update, which torchrun's DDP does not allow here; train on one process")
    if config.mode_seeking and (config.batch_size // world.size) % 2:
        raise ConfigError(f"--mode-seeking pairs the images of each process's batch, so it must be even; got {config.batch_size // world.size}")
    if config.mode_seeking and not config.noise:
        raise ConfigError("--mode-seeking makes images differ by their noise, and --noise is 0")
    if config.sync_batchnorm and world.size > 1 and device.type != "cuda":
        raise ConfigError("--sync-batchnorm needs CUDA (PyTorch's SyncBatchNorm does not run on the CPU)")
    torch.manual_seed(config.seed)  # the same on every process: each keeps its slice of the global batch

    train_set, evaluator = load_data(config, main)
    if config.data_dir is None and train_set.data_dir is not None:
        config.data_dir = train_set.data_dir  # found through $INFOGAN_DATA or the cache: evaluate finds it again

    model = InfoGAN.from_config(config, device)
    G, D, spec = model.generator, model.discriminator, model.spec
    if config.volume_silhouette and state is None:
        G.start_background(data.border_level(train_set.images(np.arange(min(len(train_set), 256)))))
    autocast = torch.autocast(device.type, dtype=torch.bfloat16, enabled=config.precision == "bf16")
    if config.precision == "bf16" and main and bf16_is_emulated(device):
        warnings.warn(bf16_warning())
    if device.type == "cpu":  # measured: 1.05x on 2 CPU cores, 0.98x on an H100 (docs/performance.md)
        for layer in (m for net in (G, D) for m in net.modules() if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d))):
            layer.to(memory_format=torch.channels_last)  # the 2D layers only: a volume network's 3D ones have no such format
    fused = device.type == "cpu"  # measured: 1.12x on 2 CPU cores, 0.94x on an H100 (docs/performance.md)
    opt_d = torch.optim.Adam(D.parameters(), lr=config.lr_d, betas=(config.beta1, config.beta2), fused=fused)
    opt_g = torch.optim.Adam(G.parameters(), lr=config.lr_g, betas=(config.beta1, config.beta2), fused=fused)
    objective = Objective(config, spec, autocast)
    entropies = spec.entropies()
    classifier, opt_cr, lr_cr = None, None, config.lr_cr or config.lr_d  # the classifier learns at D's rate unless told
    if config.cr_weight:  # InfoGAN-CR's pair classifier
        classifier = PairClassifier(len(spec.codes), config.leaky_slope, model.network).to(device)
        init_weights(classifier)
        opt_cr = torch.optim.Adam(classifier.parameters(), lr=lr_cr, betas=(config.beta1, config.beta2))

    step, elapsed = restore(state, G, D, opt_d, opt_g, device, classifier, opt_cr) if state is not None else (0, 0.0)
    for optimizer, lr in ((opt_d, config.lr_d), (opt_g, config.lr_g), *([(opt_cr, lr_cr)] if opt_cr else [])):
        for group in optimizer.param_groups:
            group["lr"] = lr  # a resumed run may take new learning rates (the cure for a diverged one)
    saved_step = step if state is not None else None
    best = (state or {}).get("best")  # {"step", "score"} of the best evaluation so far

    # after loading the weights: DDP starts every process from the same ones
    G_parallel, D_parallel = world.wrap(G, config.sync_batchnorm), world.wrap(D, config.sync_batchnorm)
    classifier_parallel = world.wrap(classifier, config.sync_batchnorm) if classifier else None
    if main:
        check_writable(out, checkpoint_bytes(*[m for m in (G, D, classifier) if m is not None]))
        remove_temporaries(out)
        atomic_write_text(out / "config.json", json.dumps(config.to_dict(), indent=2) + "\n")

    def check_finite() -> None:
        """Raise on every process if a loss since the last check or a weight is NaN or infinite."""
        bad_step = int(first_bad)
        weights_bad = bad_step < 0 and not all(torch.isfinite(p).all() for m in (G, D) for p in m.parameters())
        if world.any(bad_step >= 0 or weights_bad):
            what = "a loss became NaN or infinite" if bad_step >= 0 else "the weights hold NaN or infinite values"
            raise DivergenceError(divergence_message(what, bad_step if bad_step >= 0 else step, saved_step, config, out))

    def save(path: Path) -> None:
        """The whole training state, written atomically; a full disk leaves the previous file untouched."""
        try:
            save_checkpoint(
                {
                    "config": config.to_dict(),
                    "step": step,
                    "elapsed_s": elapsed + time.perf_counter() - started,
                    "generator": G.state_dict(),
                    "discriminator": D.state_dict(),
                    "opt_d": opt_d.state_dict(),
                    "opt_g": opt_g.state_dict(),
                    "rng_cpu": torch.get_rng_state(),
                    "rng_cuda": torch.cuda.get_rng_state(device) if device.type == "cuda" else None,
                    "best": best,
                    **({"pair_classifier": classifier.state_dict(), "opt_cr": opt_cr.state_dict()} if classifier else {}),
                },
                path,
            )
        except OSError as error:
            kept = f"the previous one (update {saved_step}) is untouched" if saved_step is not None else "no earlier one exists"
            raise CheckpointError(f"could not write {path} at update {step} ({error.strerror or error}); {kept}") from None

    def checkpoint():
        nonlocal saved_step, saved_at
        check_finite()
        world.check_in_sync(G, D)
        saved_at = time.perf_counter()
        if not main:
            return
        save(out / CHECKPOINT_NAME)
        saved_step = step
        keep_history(out, step, config.keep)

    batch, n_train = config.batch_size, len(train_set)
    spread_sample = torch.randperm(n_train, generator=torch.Generator().manual_seed(0))[:1024].sort().values  # not a grid's corner
    real_spread = pixel_spread(data.to_unit_range(train_set.images(spread_sample.numpy()), device)).clamp_min(1e-12)
    batches_per_epoch = n_train // batch
    order_epoch, order = -1, None
    logged = ["loss_d", "loss_g", *(f"mi_{name}" for name in entropies), *objective.parity_names, *(["loss_cr"] if classifier else []),
              *(["hessian"] if config.hessian_weight else []), *(["noise_ratio"] if config.mode_seeking else []), "image_spread"]
    window_sum = torch.zeros(len(logged), dtype=torch.float64, device=device)  # summed on the device: no sync per update
    window_steps, window_start = 0, time.perf_counter()
    first_bad = torch.full((), -1, dtype=torch.long, device=device)  # first update with a non-finite loss, on the device
    last = {}
    collapsed_logs, warned_collapse = 0, False
    chance_logs, warned_chance = 0, False
    started = saved_at = time.perf_counter()
    bar = tqdm(total=config.steps, initial=step, disable=not (progress and main), dynamic_ncols=True, desc="train")
    log = MetricsLog(out, config.logger, entropies, step) if main else None
    # Ctrl-C and SIGTERM are held until the update in flight is finished, so the checkpoint they leave is consistent
    interrupted = []
    in_main_thread = threading.current_thread() is threading.main_thread()
    stop_signals = (signal.SIGINT, signal.SIGTERM) if in_main_thread else ()
    previous_handlers = {number: signal.signal(number, lambda number, _: interrupted.append(signal.Signals(number).name))
                         for number in stop_signals}
    try:
        reached_target = False
        while step < config.steps and not interrupted and not reached_target:
            epoch, index = divmod(step, batches_per_epoch)
            if epoch != order_epoch:
                order_epoch, order = epoch, epoch_order(config.seed, epoch, n_train)
            real = data.to_unit_range(train_set.images(world.shard(order[index * batch : (index + 1) * batch]).numpy()), device)

            noise = world.shard(spec.sample_noise(batch, device=device))
            codes = {name: world.shard(value) for name, value in spec.sample_codes(batch, device=device).items()}
            if config.mode_seeking:
                codes = objective.shared_code_pairs(codes)
            latent = spec.generator_input(noise, codes)
            cr_weight = objective.contrastive_weight(step)
            if cr_weight:  # InfoGAN-CR's pairs come from the same forward pass of G
                first, second, shared = (world.shard(part) for part in objective.contrastive_pairs(batch, device))
                latent = torch.cat([latent, first, second])
            volume_raises = world.shard(objective.volume_raises(batch, device))
            with autocast:
                if volume_raises is None:
                    fake, *pair = G_parallel(latent).split(len(noise))
                    raised = None
                else:  # G draws the batch again from raised volumes, in the same forward pass
                    unraised = torch.ones(len(latent), device=device)
                    images = G_parallel(torch.cat([latent, latent[: len(noise)]]), torch.cat([unraised, volume_raises]))
                    fake, *pair, raised = images.split(len(noise))
            moves = world.shard(objective.random_moves(batch, fake.shape[-2:], device))
            mirror = objective.mirror_parity_on(step)
            stretches = world.shard(objective.turn_stretches(batch, fake.shape[-2:], device)) if mirror else None
            raise_grids = world.shard(objective.pose_raises(batch, fake.shape[-2:], device))
            if raise_grids is not None:
                raised = apply_grid(fake, raise_grids, padding="border")

            # D step (Q's head is trained here; the trunk learns L_I only when info_in_d)
            loss_d, log_q = objective.discriminator_loss(D_parallel, real, fake.detach(), codes, moves, mirror, stretches,
                                                         None if raised is None else raised.detach())
            opt_d.zero_grad(set_to_none=True)
            loss_d.backward()
            opt_d.step()

            # InfoGAN-CR: the classifier learns which code each pair shares
            loss_cr = torch.zeros((), device=device)
            if cr_weight:
                loss_cr = objective.contrastive_loss(classifier_parallel, pair[0].detach(), pair[1].detach(), shared)
                opt_cr.zero_grad(set_to_none=True)
                loss_cr.backward()
                opt_cr.step()

            # G step against the updated D (and classifier); their weights get no gradients here
            D.requires_grad_(False)
            loss_g = objective.generator_loss(D, fake, codes, moves, mirror, stretches, raised)
            if cr_weight:
                classifier.requires_grad_(False)
                loss_g = loss_g + cr_weight * objective.contrastive_loss(classifier, pair[0], pair[1], shared)
            if config.opacity_weight:  # G's last forward pass was the one that made fake
                loss_g = loss_g + config.opacity_weight * objective.opacity_loss(G)
            if config.depth_spread_weight:
                loss_g = loss_g + config.depth_spread_weight * objective.depth_spread_loss(G)
            if config.hessian_weight:
                hessian = objective.hessian_penalty(G, latent[: len(noise)], fake)
                loss_g = loss_g + config.hessian_weight * hessian
            if config.mode_seeking:
                mode_seeking, noise_ratio = objective.mode_seeking_loss(noise, fake)
                loss_g = loss_g + config.mode_seeking * mode_seeking
            opt_g.zero_grad(set_to_none=True)
            loss_g.backward()
            opt_g.step()
            D.requires_grad_(True)
            if classifier:
                classifier.requires_grad_(True)

            step += 1
            finite = torch.isfinite(loss_d.detach() + loss_g.detach() + loss_cr.detach())  # a NaN or inf in any makes the sum one
            first_bad = torch.where(finite | (first_bad >= 0), first_bad, torch.full_like(first_bad, step))
            if world.size > 1 and world.any(bool(interrupted)) and not interrupted:
                interrupted.append("a signal to another process")  # all stop after this update
            losses = [loss_d.detach(), loss_g.detach(), *(value.detach() for value in log_q.values())]
            losses += ([loss_cr.detach()] if classifier else []) + ([hessian.detach()] if config.hessian_weight else [])
            losses += ([noise_ratio.detach()] if config.mode_seeking else []) + [pixel_spread(fake) / real_spread]  # the real images' spread is the dataset's, measured once
            window_sum += torch.stack(losses)
            window_steps += 1
            bar.update(1)

            if step % config.log_every == 0 or step == config.steps:
                now = time.perf_counter()
                means = dict(zip(logged, (window_sum / window_steps).tolist()))
                for name in entropies:
                    means[f"mi_{name}"] += entropies[name]
                check_finite()
                last = {"step": step, **world.mean(means)}
                last["images_per_s"] = window_steps * batch / (now - window_start)
                collapsed_logs = collapsed_logs + 1 if last["image_spread"] < COLLAPSED_SPREAD else 0
                if main and not warned_collapse and collapsed_logs == COLLAPSED_LOGS:
                    warned_collapse = True
                    warnings.warn(collapse_warning(step, last["image_spread"], out))
                if classifier:
                    last["cr_weight"] = cr_weight
                    chance_logs = chance_logs + 1 if cr_weight and classifier_at_chance(last["loss_cr"], len(spec.codes)) else 0
                    if main and not warned_chance and chance_logs * config.log_every >= CHANCE_UPDATES:
                        warned_chance = True
                        warnings.warn(chance_warning(step, chance_logs * config.log_every, last["loss_cr"], len(spec.codes)))
                last["elapsed_s"] = elapsed + now - started
                if evaluator and (step % config.eval_every == 0 or step == config.steps):
                    model.eval()
                    last.update(evaluator(model))
                    G.train()
                    D.train()
                    score = evaluation_score(last)
                    if score is not None and (best is None or score > best["score"]):
                        best = {"step": step, "score": score}
                        save(out / BEST_NAME)  # only the main process evaluates
                reached = bool(config.stop_at_accuracy) and last.get("accuracy", 0.0) >= config.stop_at_accuracy
                reached_target = world.any(reached)
                if main:
                    log.write(last)
                bar.set_postfix(progress_summary(last, entropies), refresh=False)
                window_sum.zero_()
                window_steps, window_start = 0, time.perf_counter()
            if main and (step % config.sample_every == 0 or step == config.steps or reached_target):
                model.eval()
                grid, columns = category_sweep(model, seed=config.seed)
                log.samples(save_grid(grid, out / "samples" / f"step_{step:06d}.png", columns), step)
                G.train()
                D.train()
            overdue = bool(config.checkpoint_minutes) and world.any(time.perf_counter() - saved_at >= 60 * config.checkpoint_minutes)
            if step % config.checkpoint_every == 0 or step == config.steps or interrupted or reached_target or overdue:
                checkpoint()
    finally:
        for number, handler in previous_handlers.items():
            signal.signal(number, handler)
        bar.close()
        if log:
            log.close()
    if interrupted:
        raise Stopped(interrupted[0])
    return last or {"step": step}
