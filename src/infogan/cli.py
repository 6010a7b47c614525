"""The ``infogan`` command: train, presets, evaluate, feature-net, select, traverse, sample, explore, plot, plot-mi, plot-accuracy."""

from __future__ import annotations

import argparse
import json
import os
import sys
import warnings
from pathlib import Path

import numpy as np

from . import data
from .checkpoint import CHECKPOINT_NAME, atomic_write_text, load_checkpoint
from .codes import CodeError
from .config import ConfigError, TrainConfig, read_config_file
from .errors import InfoganError, one_line
from .networks import ARCHITECTURES, check_image_shape
from .presets import DESCRIPTIONS, PRESETS, preset_settings

# settings that may change when a run is resumed; the rest define the run
RESUMABLE = {
    "steps", "log_every", "sample_every", "checkpoint_every", "eval_every", "stop_at_accuracy",
    "data_dir", "verify_data", "device", "threads", "sync_batchnorm", "render_cache", "precision", "logger",
    "checkpoint_minutes", "keep", "lr_d", "lr_g",  # smaller learning rates are the usual cure for a diverged run
    # InfoGAN-CR switches its contrastive term on in an InfoGAN trained without it
    "cr_weight", "cr_start", "cr_ramp", "lr_cr",
    "hessian_weight", "hessian_noise", "mode_seeking", "opacity_weight", "depth_spread_weight", "instance_noise", "mirror_parity", "mirror_parity_start", "turn_stretch", "pose_raise", "pose_raise_volume",  # as InfoGAN-CR's term, they can be switched on in a trained run
}


def add_train_arguments(parser: argparse.ArgumentParser) -> None:
    """Every TrainConfig field as a flag; unset flags stay out of the namespace so a config file's values survive."""
    S = argparse.SUPPRESS
    add = parser.add_argument
    add("--out", help="run folder to create (default runs/<dataset>-seed<seed>)")
    add("--resume", metavar="RUN", help="continue the run in RUN from its last checkpoint (--steps may extend it)")
    add("--config", metavar="FILE", help="TOML or YAML file of settings (same names as the flags); flags override it")
    add("--quiet", action="store_true", help="no progress bar")
    add("--preset", default=S, choices=list(PRESETS), help="one of the paper's experiments (infogan presets lists them); a config file and flags override it")
    add("--dataset", default=S, choices=list(data.SOURCES), help="dataset (default mnist; folder: your own images in --data-dir)")
    add("--data-dir", default=S, help="folder holding one folder per dataset (default $INFOGAN_DATA, then the cache); for --dataset folder, the image folder")
    add("--no-verify", dest="verify_data", action="store_false", default=S, help="skip checksum checks (your own files under a dataset's name)")
    add("--network", default=S, choices=["auto", *ARCHITECTURES], help="the paper's network for that data (default auto: the dataset's own)")
    add("--mirror-volume", dest="mirror_volume", action="store_true", default=S, help="a volume network's G makes its volume mirror-symmetric across the object's own x axis, as a face or a chair is, so that only the pose and light codes can make one side differ from the other (default off)")
    add("--camera-light", dest="camera_light", action="store_true", default=S, help="a volume network's G shades its turned volume by one light fixed to the camera at a learned direction, as a renderer's lamp: the two faces of a thin part then differ as they turn (no light code; default off)")
    add("--camera-light-azimuth", dest="camera_light_azimuth", type=float, default=S, help="degrees where the camera light's learned direction starts, positive from the image's right (chairs3d's lamp: -39; default 0, from the camera)")
    add("--camera-light-elevation", dest="camera_light_elevation", type=float, default=S, help="degrees where the camera light's learned direction starts, positive from above (chairs3d's lamp: 48; default 0)")
    add("--volume-silhouette", dest="volume_silhouette", action="store_true", default=S, help="a volume network's image is G's picture where its turned volume is opaque and a learned plain background elsewhere, so the object's outline is the volume's (for data on a plain background; default off)")
    add("--opacity-weight", dest="opacity_weight", type=float, default=S, help="weight in G's loss of its volume's mean composited opacity, which keeps space empty so that --volume-silhouette binds (volume networks; default 0, off)")
    add("--depth-spread-weight", dest="depth_spread_weight", type=float, default=S, help="weight in G's loss of how far apart along each line of sight the voxels a pixel shows lie, so that a near part hides a far one (volume networks; default 0, off)")
    add("--volume-tilt", dest="volume_tilt", type=float, default=S, help="degrees where a volume network's learned tilt starts when there is no pitch code: the camera's elevation, if known (chairs3d's is 22; default 0)")
    add("--codes", default=S, help="latent codes, e.g. cat:10,cont:2 (default, the paper's MNIST codes); cont:N:LOW:HIGH sets a range, turn:N adds interval codes that G sees as a half turn, circ:N adds angle codes; yaw:LOW:HIGH and pitch:LOW:HIGH (degrees) turn a volume network's 3D features, light:LOW:HIGH (degrees) swings the light that shades them, stretch:LOW:HIGH (factors) widens them before the turn")
    add("--noise", type=int, default=S, help="noise dimensions (default 62)")
    add("--noise-prior", default=S, choices=["uniform", "normal"], help="noise prior (default uniform, as the official code)")
    add("--fixed-std", dest="learn_std", action="store_false", default=S, help="Q's Gaussian std fixed at 1 (official code) instead of learned (paper)")
    add("--lambda-cat", type=float, default=S, help="weight of categorical codes' information term (default 1)")
    add("--lambda-cont", type=float, default=S, help="weight of continuous codes' information term (default 0.1)")
    add("--lambda-circ", type=float, default=S, help="weight of angle codes' information term (default 1)")
    add("--info-weight-g", type=float, default=S, help="multiplier of the information term in G's loss; 0 = the paper's GAN baseline (default 1)")
    add("--lambda-invariant", type=float, default=S, help="weight of Q recognising the categorical code through small random rotations/shifts/scalings of G's images; 0 = the paper's objective (default 1)")
    add("--invariant-mirror", dest="invariant_mirror", action="store_true", default=S, help="the invariance term's moves also mirror half of G's images left to right, so that a category cannot stand for the side an object faces; for mirror-symmetric classes such as chairs3d's styles (default off)")
    add("--invariant-stretch", type=float, default=S, metavar="S", help="the invariance term's moves also stretch G's images along their rows by a factor within 1 +- S, so that a category cannot stand for how wide an object is (default 0 = off)")
    add("--mirror-parity", type=float, default=S, metavar="W", help="weight of Q reading each continuous code from G's images mirrored left to right, as the code itself (a mirror-symmetric trait such as width) or reflected (a sided one such as which way an object turns), whichever fits better: a code cannot do both; an angle code is always read reflected (default 0 = off)")
    add("--mirror-parity-start", type=int, default=S, metavar="N", help="the update at which the mirror-parity term switches on, once the codes mean something: switched on at the first, every code may settle as mirror-symmetric (default 0)")
    add("--pose-raise", type=float, default=S, metavar="R", help="Q also reads the pose codes (yaw, pitch, stretch, light) from G's images whose upper half is stretched up or down about the centre row by a factor within 1 +- R: on chairs3d a taller or lower back, which neither turns nor widens the chair, so Q cannot read the turn from how tall the back looks (default 0 = off)")
    add("--pose-raise-volume", dest="pose_raise_volume", action="store_true", default=S, help="the pose raise stretches the upper half of G's volume (above its centre, in the object's own frame, before the turn) rather than of its image: a taller or lower back in 3D, seen from every side as a solid's; G draws each batch twice, once raised (default off: the image's upper half)")
    add("--turn-stretch", type=float, default=S, metavar="S", help="with --mirror-parity, Q also reads every turning code (an angle code, or a continuous one read reflected) from G's images stretched along their rows by a factor within 1 +- S: a wider object is not turned further, so a turning code cannot be how wide the object looks (default 0 = off)")
    add("--lambda-real", type=float, default=S, help="weight of a balanced-clustering term for Q's category on real images (default 0)")
    add("--info-in-d", dest="info_in_d", action="store_true", default=S, help="D's loss also maximises the information term (default)")
    add("--no-info-in-d", dest="info_in_d", action="store_false", default=S, help="only Q's head and G learn the information term")
    add("--cr-weight", type=float, default=S, help="InfoGAN-CR: final weight of the contrastive term (pairs sharing one code; default 0 = off)")
    add("--cr-start", type=int, default=S, help="InfoGAN-CR: the update at which the term switches on (default 0)")
    add("--cr-ramp", type=int, default=S, help="InfoGAN-CR: updates over which its weight then rises to --cr-weight (default 0: at once)")
    add("--lr-cr", type=float, default=S, help="InfoGAN-CR: the pair classifier's learning rate (default: D's, as InfoGAN-CR)")
    add("--hessian-weight", type=float, default=S, help="weight of the Hessian penalty on the continuous codes in G's loss: no two codes interact (Peebles et al. 2020; default 0 = off)")
    add("--hessian-noise", dest="hessian_noise", action="store_true", default=S, help="the Hessian penalty also perturbs the noise inputs, as Peebles et al. perturb all of z, so that a noise input interacting with a code is penalised too")
    add("--mode-seeking", type=float, default=S, metavar="W", help="weight of the mode-seeking term: images that share their codes must differ by their noise, so G uses the noise for what the codes leave out (Mao et al. 2019; default 0 = off)")
    add("--instance-noise", type=float, default=S, metavar="STD", help="D and Q see every image, real and fake, through Gaussian pixel noise of this std (pixels in [0, 1]), so G cannot write a code in changes too faint to survive it (default 0 = off)")
    add("--leaky-slope", type=float, default=S, help="leaky ReLU slope in D (default 0.1, paper; official code 0.01)")
    add("--lr-d", type=float, default=S, help="D and Q learning rate (default 2e-4)")
    add("--lr-g", type=float, default=S, help="G learning rate (default 1e-3)")
    add("--beta1", type=float, default=S, help="Adam beta1 (default 0.5)")
    add("--batch-size", type=int, default=S, help="batch size (default 128)")
    add("--steps", type=int, default=S, help="number of updates (default 5000)")
    add("--seed", type=int, default=S, help="random seed (default 0)")
    add("--device", default=S, help="cpu, cuda, cuda:N or auto (default auto: cuda when a GPU is visible)")
    add("--threads", type=int, default=S, help="CPU threads for torch (default: torch's choice)")
    add("--precision", choices=["fp32", "bf16"], default=S, help="bf16: autocast the forward passes to bfloat16, faster on CPUs with AVX-512 BF16 (default fp32)")
    add("--sync-batchnorm", action="store_true", default=S, help="under torchrun on GPUs: BatchNorm statistics over the global batch")
    add("--render-cache", action="store_true", default=S,
        help="sprites, faces3d, chairs3d: render the training split once, on every core, into a memory-mapped file "
             "(the same images; for GPUs, which train faster than one core renders); other data ignores it")
    add("--log-every", type=int, default=S, help="updates between metrics lines (default 50)")
    add("--sample-every", type=int, default=S, help="updates between sample grids (default 500)")
    add("--checkpoint-every", type=int, default=S, help="updates between checkpoints (default 500)")
    add("--checkpoint-minutes", type=float, default=S, metavar="M", help="also checkpoint whenever M minutes passed since the last one, so a slow machine loses at most M minutes (default 0: off)")
    add("--keep", type=int, default=S, metavar="N", help="keep the N latest checkpoints in RUN/checkpoints besides RUN/checkpoint.pt (default 1: only the latest); RUN/best.pt keeps the best evaluation")
    add("--eval-every", type=int, default=S, help="updates between test-set accuracy checks; 0 = never (default 500)")
    add("--logger", choices=["jsonl", "tensorboard"], default=S, help="tensorboard: also TensorBoard event files in RUN/tensorboard, an optional extra: pip install 'infogan[tensorboard]' (default jsonl: metrics.jsonl only, always written)")
    add("--stop-at-accuracy", type=float, default=S, metavar="A", help="stop at the first check reaching accuracy A, e.g. 0.95 (default: run every step)")


FLAG_KEYS = {"out", "resume", "config", "quiet", "command", "handler", "debug"}


def saved_settings(run: Path) -> dict:
    """The settings a run was started with: its checkpoint's, or for a run killed before its first
    checkpoint, its config.json's."""
    if not (run / CHECKPOINT_NAME).exists() and (run / "config.json").is_file():
        try:
            return json.loads((run / "config.json").read_text())
        except ValueError:
            raise ConfigError(f"{run / 'config.json'} is not valid JSON; the run cannot be resumed") from None
    return load_checkpoint(run)["config"]


def train_config_from_args(args: argparse.Namespace) -> tuple[TrainConfig, Path, bool]:
    flags = {k: v for k, v in vars(args).items() if k not in FLAG_KEYS}
    if args.resume:
        if args.config:
            raise ConfigError("--config cannot be combined with --resume: a resumed run keeps its settings")
        if args.out and Path(args.out) != Path(args.resume):
            raise ConfigError("--resume RUN continues RUN in place; leave out --out")
        settings = saved_settings(Path(args.resume))
        # a setting that defines the run may be repeated (as `make demo` does), not changed
        fixed = sorted(k for k in set(flags) - RESUMABLE if flags[k] != settings.get(k))
        if fixed:
            raise ConfigError(f"cannot change {', '.join('--' + k.replace('_', '-') for k in fixed)} when resuming; start a new run")
        return TrainConfig.from_dict({**settings, **flags}, "checkpoint").validate(), Path(args.resume), True
    settings = read_config_file(args.config) if args.config else {}
    out_setting = settings.pop("out", None)
    preset = flags.get("preset") or settings.get("preset")
    base = preset_settings(preset) if preset else {}
    config = TrainConfig.from_dict({**base, **settings, **flags}, args.config or "flags").validate()
    out = Path(args.out or out_setting or f"runs/{config.dataset}-seed{config.seed}")
    return config, out, False


def command_train(args) -> int:
    from .train import train

    config, out, resume = train_config_from_args(args)
    main_process = os.environ.get("RANK", "0") == "0"  # under torchrun only rank 0 reports
    if main_process:
        print(f"{'resuming' if resume else 'training'} {out}: {config.latent_spec().describe()}", file=sys.stderr)
    try:
        last = train(config, out, resume=resume, progress=not args.quiet)
    except KeyboardInterrupt as stop:
        name = getattr(stop, "signal_name", "SIGINT")
        if main_process:
            print(f"stopped by {name}; checkpoint saved, continue with: infogan train --resume {out}", file=sys.stderr)
        return 143 if name == "SIGTERM" else 130
    summary = ", ".join(f"{k} {v:.3f}" for k, v in last.items() if k.startswith(("mi_", "accuracy")))
    if main_process:
        print(f"done: {out} at step {last['step']}" + (f" ({summary})" if summary else ""))
    return 0


def load_model(run, device="cpu"):
    from .model import InfoGAN

    return InfoGAN.load(run, device)


def format_table(result: dict) -> str:
    batch = result.get("mi_batch_statistics")
    lines = [f"{'code':<6}{'L_I (nats)':>12}{'H(c)':>10}" + (f"{'L_I, D on batch statistics':>29}" if batch else "")]
    for name, value in result["mi"].items():
        lines.append(f"{name:<6}{value:>12.3f}{result['entropy'][name]:>10.3f}" + (f"{batch[name]:>29.3f}" if batch else ""))
    if "accuracy" in result:
        lines.append(f"\nunsupervised accuracy of {result['accuracy_code']} on the test set: {100 * result['accuracy']:.2f} %")
        for name, accuracy in result.get("accuracy_by_code", {}).items():
            lines.append(f"  {name}: {100 * accuracy:.2f} %")
        lines.append(f"confusion of {result['accuracy_code']} (rows: category -> matched class, columns: true class)")
        for category, (row, digit) in enumerate(zip(result["confusion"], result["mapping"])):
            lines.append(f"  {category:>2} -> {digit:>2} |" + "".join(f"{v:>6}" for v in row))
    if "factors" in result:
        table = result["factors"]
        width = max(len(name) for name in table["factors"]) + 2
        measures = "continuous codes: |Spearman|; categorical: mutual information / H(factor)"
        if "circular_rank" in table.get("measure", {}).values():
            measures += "; angle codes: circular rank correlation"
        lines.append(f"\nfactor x code ({measures})")
        lines.append(" " * width + "".join(f"{name:>7}" for name in table["codes"]) + "   captured by")
        for factor, row in zip(table["factors"], table["scores"]):
            best = table["captured"][factor]
            lines.append(f"{factor:<{width}}" + "".join(f"{v:>7.2f}" for v in row) + f"   {best['code']} ({best['score']:.2f})")
    if "disentanglement" in result:
        scores, settings = result["disentanglement"], result["disentanglement"]["settings"]
        lines.append(f"\ndisentanglement (disentanglement_lib's definitions; {settings['points']:,} + {settings['test_points']:,} points, "
                     f"{settings['votes_train']:,} + {settings['votes_eval']:,} votes, DCI with {settings['dci_model']})")
        names = {"factor_vae": "FactorVAE", "beta_vae": "BetaVAE", "mig": "MIG", "sap": "SAP", "dci_disentanglement": "DCI disentanglement",
                 "dci_completeness": "DCI completeness", "dci_informativeness": "DCI informativeness"}
        for key, name in names.items():
            lines.append(f"  {name:<21}{scores[key]:.3f}")
    if "quality" in result:
        quality = result["quality"]
        lines.append(f"\nsample quality ({quality['samples']:,} generated vs real, this project's feature net): "
                     f"FID {quality['fid']:.2f}, KID {quality['kid']:.4f} +- {quality['kid_std']:.4f}")
    if "separation" in result:
        separation = result["separation"]
        parts = ", ".join(f"{moment}: {entry['code']} (|Spearman| {entry['spearman']:.2f}, gap {entry['gap']:.2f})"
                          for moment, entry in separation["per_moment"].items())
        lines.append(f"\ncontinuous codes on image moments: {parts}; separation {separation['separation']:.2f}")
    return "\n".join(lines)


def command_evaluate(args) -> int:
    from .metrics import evaluate

    if args.samples <= 0 or args.factor_samples <= 1:
        raise ConfigError(f"--samples must be positive and --factor-samples above 1, got {args.samples} and {args.factor_samples}")
    if args.votes < 2 or args.quality_samples < 2:
        raise ConfigError(f"--votes and --quality-samples must be at least 2, got {args.votes} and {args.quality_samples}")
    model = load_model(args.run)
    config = model.config
    dataset = None
    if not args.no_data:
        dataset = data.load_dataset(config.dataset, "test", args.data_dir or config.data_dir, config.verify_data, model.image_shape)
        check_image_shape(dataset.shape, model.network, config.dataset)
    feature_net = None
    if dataset is not None and not args.no_quality:
        from .metrics.quality import default_feature_net_path, load_feature_net

        path = Path(args.feature_net) if args.feature_net else default_feature_net_path(config.dataset)
        if path.exists() or args.feature_net:
            feature_net = load_feature_net(path)
        else:
            print(f"no FID/KID: no feature net for {config.dataset} at {path} (train one: infogan feature-net --dataset {config.dataset})")
    result = evaluate(model, dataset, samples=args.samples, factor_samples=args.factor_samples, votes=args.votes,
                      scores=not args.no_scores, feature_net=feature_net, quality_samples=args.quality_samples, dci_model=args.dci_model)
    atomic_write_text(Path(args.run) / "eval.json", json.dumps(result, indent=2) + "\n")
    if config.logger == "tensorboard":
        from .logger import log_evaluation

        log_evaluation(Path(args.run), result)
    print(format_table(result))
    print(f"\nwritten {Path(args.run) / 'eval.json'}")
    return 0


def command_feature_net(args) -> int:
    from .metrics.quality import default_feature_net_path, feature_heads, save_feature_net, train_feature_net

    dataset = data.load_dataset(args.dataset, "train", args.data_dir, args.verify_data)
    feature_heads(dataset)  # a dataset with nothing to learn fails before any training
    net, report = train_feature_net(dataset, steps=args.steps, batch_size=args.batch_size, seed=args.seed, progress=not args.quiet)
    path = save_feature_net(net, args.out or default_feature_net_path(dataset.name))
    print(f"feature net for {dataset.name}, {args.steps} steps; accuracy on {report['holdout']} held-out images:")
    for head, accuracy in report["accuracy"].items():
        print(f"  {head:<12}{100 * accuracy:6.2f} %")
    print(f"saved {path}")
    return 0


def command_presets(args) -> int:
    for name, settings in PRESETS.items():
        print(f"{name}: {DESCRIPTIONS[name]}")
        print("  " + " ".join(f"--{key.replace('_', '-')} {value}" for key, value in settings.items()))
    return 0


def digit_order(run) -> list[int] | None:
    """Categories sorted by the class ``infogan evaluate`` matched them to, if the run has been
    evaluated (so the traversal's rows read 0, 1, 2, ... as in the paper)."""
    try:
        mapping = json.loads((Path(run) / "eval.json").read_text())["mapping"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return sorted(range(len(mapping)), key=lambda category: (mapping[category] < 0, mapping[category]))


def command_traverse(args) -> int:
    from .figures import category_sweep, circle_sweep, code_traversal, save_grid

    model = load_model(args.run)
    out = Path(args.out or Path(args.run) / "figures")
    low, high = args.range
    values = np.linspace(low, high, args.columns).tolist()
    held = parse_code_values(args.code)
    rows_code = next((code for code in model.spec.codes if code.kind == "cat"), None)
    for name in held:
        if name not in model.spec.by_name:
            raise CodeError(f"no code named {name!r}; this model has {', '.join(model.spec.by_name)}")
        if rows_code is not None and name == rows_code.name:
            raise CodeError(f"--code {name}: traverse shows every category of {name} as its rows; hold another code")
    order = digit_order(args.run)
    if order is not None:
        print(f"rows ordered by the digit each category matches in {Path(args.run) / 'eval.json'}", file=sys.stderr)
    for code in model.spec.codes:
        if code.kind == "cat":
            images, columns = category_sweep(model, seed=args.seed, columns=args.columns, order=order, held=held)
        else:
            sweep = circle_sweep(args.columns) if code.kind == "circ" else values
            images, columns = code_traversal(model, code.name, sweep, seed=args.seed, order=order, held=held)
        path = save_grid(images, out / f"traverse_{code.name}.png", columns, scale=args.scale)
        print(path)
    return 0


def parse_code_values(pairs: list[str]) -> dict[str, float]:
    values = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        try:
            values[name.strip()] = float(value)
        except ValueError:
            sep = ""
        if not sep:
            raise CodeError(f"--code takes NAME=VALUE (e.g. c1=3 or c2=0.5), got {pair!r}")
    return values


def command_sample(args) -> int:
    from .figures import save_grid

    model = load_model(args.run)
    if args.n <= 0:
        raise ConfigError(f"-n must be positive, got {args.n}")
    images = model.generate(args.n, parse_code_values(args.code), seed=args.seed)
    out = Path(args.out)
    if out.suffix == ".npy":
        out.parent.mkdir(parents=True, exist_ok=True)
        np.save(out, images.numpy().astype(np.float32))
    elif out.suffix == ".png":
        save_grid(images, out, args.columns or int(np.ceil(np.sqrt(args.n))), scale=args.scale)
    else:
        raise ConfigError(f"--out must end in .png or .npy, got {out}")
    print(out)
    return 0


def command_explore(args) -> int:
    from .explorer import make_server

    server = make_server(args.run, args.host, args.port, args.device)
    host, port = server.server_address[:2]
    print(f"exploring {args.run} at http://{host}:{port}/ (Ctrl-C to stop)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


def command_plot(args) -> int:
    from .figures import plot_curves

    print(plot_curves(args.runs, args.out or str(Path(args.runs[0]) / "figures" / "curves.png"), args.max_step))
    return 0


def command_plot_mi(args) -> int:
    from .figures import plot_information

    entropy = None
    try:
        spec = TrainConfig.from_dict(json.loads((Path(args.runs[0]) / "config.json").read_text())).latent_spec()
        entropy = spec.entropies().get(args.code)
    except (OSError, ValueError):
        pass
    out = args.out or str(Path(args.runs[0]) / "figures" / f"mi_{args.code}.png")
    print(plot_information(args.runs, args.code, out, entropy, args.max_step))
    return 0


def command_plot_accuracy(args) -> int:
    from .figures import plot_accuracy

    print(plot_accuracy(args.runs, args.out or str(Path(args.runs[0]) / "figures" / "accuracy.png"), args.max_step))
    return 0


def recorded_accuracy(run) -> float | None:
    """The test accuracy ``infogan evaluate`` wrote for a run, if any; shown, never used to choose."""
    try:
        accuracy = json.loads((Path(run) / "eval.json").read_text())["accuracy"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return float(accuracy) if isinstance(accuracy, (int, float)) else None


def command_select(args) -> int:
    from .metrics.centrality import centrality

    if len(args.runs) < 2:
        raise ConfigError(f"select compares runs: give at least 2, got {len(args.runs)}")
    if args.votes is not None and args.votes < 2:
        raise ConfigError(f"--votes must be at least 2, got {args.votes}")
    models = [load_model(run) for run in args.runs]
    shapes = [tuple(model.image_shape) for model in models]
    if len(set(shapes)) > 1:
        listed = ", ".join(f"{run} {'x'.join(map(str, shape))}" for run, shape in zip(args.runs, shapes))
        raise ConfigError(f"the runs make images of different shapes ({listed}); compare runs of one dataset")
    votes = {} if args.votes is None else {"num_train": args.votes, "num_eval": max(1, args.votes // 2)}
    pairs, done = len(models) * (len(models) - 1), []

    def report(encoder, source, score):
        done.append(score)
        print(f"[{len(done)}/{pairs}] Q of {args.runs[encoder]} on the codes of {args.runs[source]}: {score:.3f}", file=sys.stderr)

    result = centrality(models, seed=args.seed, progress=report, **votes)
    accuracies = [recorded_accuracy(run) for run in args.runs]
    ranks = {index: rank for rank, index in enumerate(np.argsort(-np.array(result["centrality"]), kind="stable"), 1)}
    width = max(len(str(run)) for run in args.runs) + 2
    shown = any(a is not None for a in accuracies)
    print(f"{'run':<{width}}{'centrality':>11}{'rank':>6}" + (f"{'accuracy*':>11}" if shown else ""))
    for index, run in enumerate(args.runs):
        line = f"{str(run):<{width}}{result['centrality'][index]:>11.3f}{ranks[index]:>6}"
        if shown:
            line += f"{'-' if accuracies[index] is None else f'{100 * accuracies[index]:.2f} %':>11}"
        print(line)
    if shown:
        print("* from each run's eval.json, for information only: the choice uses no labels")
    selected = result["selected"]
    if max(result["centrality"]) == 0:
        print("no run's Q separates any other run's codes (every score is 0): untrained or collapsed runs, the choice is arbitrary")
    print(f"keep: {args.runs[selected]} (most central: mean FactorVAE agreement {result['centrality'][selected]:.3f} with the other runs)")
    if args.json:
        out = Path(args.json)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps({"runs": [str(run) for run in args.runs], **result, "eval_accuracy": accuracies}, indent=2) + "\n")
        print(f"written {out}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="infogan", description="InfoGAN: interpretable latent codes without labels.")
    parser.add_argument("--debug", action="store_true", help="on an error, show the full traceback (and warnings with their source)")
    commands = parser.add_subparsers(dest="command", required=True)

    train = commands.add_parser("train", help="train a model (or resume one)")
    add_train_arguments(train)
    train.set_defaults(handler=command_train)

    presets = commands.add_parser("presets", help="list the paper's experiments that --preset fills in, with their settings")
    presets.set_defaults(handler=command_presets)

    evaluate = commands.add_parser("evaluate", help="information bounds, accuracy on labelled data, factor x code table on rendered data; writes RUN/eval.json")
    evaluate.add_argument("run")
    evaluate.add_argument("--data-dir", help="data root (default: the run's, then $INFOGAN_DATA, then the cache)")
    evaluate.add_argument("--samples", type=int, default=10000, help="generated samples for the information bounds")
    evaluate.add_argument("--factor-samples", type=int, default=10000, help="test images for the factor x code table (rendered data)")
    evaluate.add_argument("--no-data", "--no-accuracy", dest="no_data", action="store_true", help="information bounds only (no data needed)")
    evaluate.add_argument("--votes", type=int, default=1000, help="FactorVAE/BetaVAE training votes, half as many for evaluation (disentanglement_lib: 10,000)")
    evaluate.add_argument("--no-scores", action="store_true", help="skip the disentanglement scores on rendered data")
    evaluate.add_argument("--dci-model", choices=["gbt", "hist"], default="gbt",
                          help="DCI's trees: gbt = disentanglement_lib's gradient boosting (minutes), hist = histogram boosting (seconds; reads 0.03-0.07 higher)")
    evaluate.add_argument("--feature-net", metavar="FILE", help="feature net for FID/KID (default: the one infogan feature-net saved for the run's dataset, if any)")
    evaluate.add_argument("--quality-samples", type=int, default=10000, help="generated and real images for FID/KID")
    evaluate.add_argument("--no-quality", action="store_true", help="skip FID/KID")
    evaluate.set_defaults(handler=command_evaluate)

    feature = commands.add_parser("feature-net", help="train the classifier whose features FID and KID compare, on a dataset's labels or known factors")
    feature.add_argument("--dataset", required=True, choices=list(data.SOURCES))
    feature.add_argument("--data-dir", help="data root (default $INFOGAN_DATA, then the cache)")
    feature.add_argument("--no-verify", dest="verify_data", action="store_false", help="skip checksum checks (your own files under a dataset's name)")
    feature.add_argument("--out", help="file to write (default: the cache's feature-nets/<dataset>.pt)")
    feature.add_argument("--steps", type=int, default=2000, help="training updates (default 2000)")
    feature.add_argument("--batch-size", type=int, default=128)
    feature.add_argument("--seed", type=int, default=0)
    feature.add_argument("--quiet", action="store_true", help="no progress bar")
    feature.set_defaults(handler=command_feature_net)

    traverse = commands.add_parser("traverse", help="the paper's Figure 2: sweep each code, others fixed")
    traverse.add_argument("run")
    traverse.add_argument("--range", nargs=2, type=float, default=[-2.0, 2.0], metavar=("LOW", "HIGH"),
                          help="continuous codes' sweep; an angle code always goes once round the circle")
    traverse.add_argument("--columns", type=int, default=10, help="values per sweep")
    traverse.add_argument("--seed", type=int, default=0, help="seed of the fixed noise")
    traverse.add_argument("--scale", type=int, default=2, help="pixel upscaling of the PNG")
    traverse.add_argument("--out", help="folder for traverse_<code>.png (default RUN/figures)")
    traverse.add_argument("--code", action="append", default=[], metavar="NAME=VALUE",
                          help="hold code NAME at VALUE instead of 0 where it is not swept (not the first categorical code, whose categories are the rows; repeatable)")
    traverse.set_defaults(handler=command_traverse)

    sample = commands.add_parser("sample", help="generate images with some codes fixed")
    sample.add_argument("run")
    sample.add_argument("--code", action="append", default=[], metavar="NAME=VALUE", help="fix a code, e.g. c1=3 (repeatable)")
    sample.add_argument("-n", type=int, default=64, help="number of images")
    sample.add_argument("--seed", type=int, default=0)
    sample.add_argument("--out", required=True, help="a .png grid or a .npy array (N x C x H x W, floats in [0, 1])")
    sample.add_argument("--columns", type=int, help="grid columns (default: square)")
    sample.add_argument("--scale", type=int, default=1, help="pixel upscaling of the PNG")
    sample.set_defaults(handler=command_sample)

    explore = commands.add_parser("explore", help="a live page in the browser: turn each code and see the generator's output")
    explore.add_argument("run")
    explore.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1: this machine only)")
    explore.add_argument("--port", type=int, default=8765, help="port (default 8765; 0 picks a free one)")
    explore.add_argument("--device", default="cpu", help="device the generator runs on (default cpu)")
    explore.set_defaults(handler=command_explore)

    plot = commands.add_parser("plot", help="the loss, information, accuracy and factor curves of one or more runs, as one PNG (no TensorBoard needed)")
    plot.add_argument("runs", nargs="+", metavar="RUN")
    plot.add_argument("--max-step", type=int)
    plot.add_argument("--out", help="PNG path (default FIRST_RUN/figures/curves.png)")
    plot.set_defaults(handler=command_plot)

    plot = commands.add_parser("plot-mi", help="the paper's Figure 1: information bound against updates")
    plot.add_argument("runs", nargs="+")
    plot.add_argument("--code", default="c1")
    plot.add_argument("--max-step", type=int)
    plot.add_argument("--out", help="PNG path (default FIRST_RUN/figures/mi_<code>.png)")
    plot.set_defaults(handler=command_plot_mi)

    plot = commands.add_parser("plot-accuracy", help="unsupervised test accuracy against updates, one line per run")
    plot.add_argument("runs", nargs="+")
    plot.add_argument("--max-step", type=int)
    plot.add_argument("--out", help="PNG path (default FIRST_RUN/figures/accuracy.png)")
    plot.set_defaults(handler=command_plot_accuracy)

    select = commands.add_parser("select", help="InfoGAN-CR's ModelCentrality: pick, without labels, the run whose codes the other runs agree with most")
    select.add_argument("runs", nargs="+", metavar="RUN", help="run folders of one dataset to compare (at least 2)")
    select.add_argument("--seed", type=int, default=0, help="seed of the generated images")
    select.add_argument("--votes", type=int, help="batches voting for each FactorVAE score's dimension -> code table, with half as many scoring it (default 100; FactorVAE's usual 10000 takes hours)")
    select.add_argument("--json", metavar="FILE", help="also write the scores, agreement matrix and centralities to FILE")
    select.set_defaults(handler=command_select)
    return parser


def show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    """A warning as one line on stderr, like the errors (the source line means nothing to a user)."""
    print(f"infogan: warning: {one_line(message)}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    """Run a command; an error is one line on stderr (exit status 2, or 1 for a bug), its traceback
    only with --debug. Ctrl-C is left to the commands that handle it."""
    args = build_parser().parse_args(argv)
    with warnings.catch_warnings():
        if not args.debug:
            warnings.showwarning = show_warning
        try:
            return args.handler(args)
        except Exception as error:
            if args.debug:
                raise
            if isinstance(error, (InfoganError, OSError, ValueError, RuntimeError)):
                print(f"infogan: error: {one_line(error)}", file=sys.stderr)
                return 2
            print(f"infogan: error: unexpected {type(error).__name__}: {one_line(error)} (run with --debug for the traceback)", file=sys.stderr)
            return 1


if __name__ == "__main__":
    sys.exit(main())
