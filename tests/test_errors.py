"""Runs that survive anything: one error type of the project's own, shown as one line; no file the
package reads can run code; bad input of every kind gets one clear line; the explorer serves
nothing but its own answers."""

from __future__ import annotations

import ast
import gzip
import http.client
import io
import pathlib
import pickle
import shutil
import struct
import subprocess
import sys
import threading
import zlib

import numpy as np
import pytest
import torch
from PIL import Image
from scipy.io import savemat

import infogan
from infogan import cli, data
from infogan.checkpoint import CheckpointError, load_checkpoint, save_checkpoint
from infogan.cli import main
from infogan.codes import CodeError
from infogan.config import ConfigError, TrainConfig
from infogan.data import DataError, write_idx
from infogan.errors import InfoganError
from infogan.explorer import make_server
from infogan.metrics.quality import load_feature_net
from infogan.model import InfoGAN
from infogan.networks import NetworkError


def only_error_line(stderr: str) -> str:
    """The one line of an error report; fails on tracebacks, extra lines or torch's advice."""
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert "Traceback" not in stderr and "weights_only" not in stderr
    assert len(lines) == 1, stderr
    assert lines[0].startswith("infogan: error: ")
    return lines[0]


def usage_error_line(stderr: str) -> str:
    """argparse's report: its usage, then one line naming the problem."""
    assert "Traceback" not in stderr
    return stderr.strip().splitlines()[-1]


def save_untrained_run(out: pathlib.Path, **settings) -> pathlib.Path:
    """A run folder holding an untrained model's checkpoint: what the commands that read a run need."""
    config = TrainConfig(verify_data=False, **settings)
    model = InfoGAN.from_config(config)
    save_checkpoint({"config": config.to_dict(), "step": 0, "generator": model.generator.state_dict(),
                     "discriminator": model.discriminator.state_dict()}, out / "checkpoint.pt")
    return out


@pytest.fixture(scope="module")
def run(tiny_data_root, tmp_path_factory):
    """An untrained model of the paper's MNIST codes whose settings name the tiny data set."""
    return save_untrained_run(tmp_path_factory.mktemp("errors") / "run", data_dir=str(tiny_data_root))


@pytest.fixture
def run_copy(run, tmp_path):
    shutil.copytree(run, tmp_path / "run")
    return tmp_path / "run"


# --- one error type ------------------------------------------------------------------------------


@pytest.mark.parametrize("error, old_base", [
    (ConfigError, ValueError), (CodeError, ValueError), (NetworkError, ValueError), (CheckpointError, RuntimeError), (DataError, RuntimeError),
])
def test_every_error_of_the_project_is_an_infogan_error_and_keeps_its_old_base(error, old_base):
    assert issubclass(error, InfoganError) and issubclass(error, old_base)


def test_the_errors_module_imports_nothing_from_the_package():
    tree = ast.parse(pathlib.Path(infogan.__file__).with_name("errors.py").read_text())
    imports = [node for node in ast.walk(tree) if isinstance(node, (ast.Import, ast.ImportFrom))]
    assert all(isinstance(node, ast.ImportFrom) and node.module == "__future__" for node in imports)


def test_a_message_spanning_lines_is_printed_on_one(tmp_path, capsys):
    (tmp_path / "settings.yaml").write_text("steps: [1, 2\nseed: 3\n")  # YAML's message spans lines
    assert main(["train", "--config", str(tmp_path / "settings.yaml"), "--out", str(tmp_path / "run")]) == 2
    assert "cannot parse config file" in only_error_line(capsys.readouterr().err)


@pytest.mark.parametrize("name, raw, message", [
    ("settings.toml", b"steps = 2\n\xff\xfe\n", "not UTF-8 text"),
    ("settings.yaml", b"1: 2\nsteps: 3\n", "must hold a table of settings"),
])
def test_a_settings_file_that_is_not_text_or_not_named_settings_is_refused(tmp_path, capsys, name, raw, message):
    (tmp_path / name).write_bytes(raw)
    assert main(["train", "--config", str(tmp_path / name), "--out", str(tmp_path / "run")]) == 2
    assert message in only_error_line(capsys.readouterr().err)


def test_debug_shows_the_traceback_of_an_error(tmp_path):
    with pytest.raises(CheckpointError, match="no checkpoint"):
        main(["--debug", "train", "--resume", str(tmp_path / "none")])


def test_an_unexpected_error_is_one_line_asking_for_debug(monkeypatch, capsys):
    def broken(args):
        raise KeyError("generator")

    monkeypatch.setattr(cli, "command_presets", broken)
    assert main(["presets"]) == 1
    line = only_error_line(capsys.readouterr().err)
    assert line == "infogan: error: unexpected KeyError: 'generator' (run with --debug for the traceback)"
    with pytest.raises(KeyError):
        main(["--debug", "presets"])


def test_ctrl_c_is_not_turned_into_an_error(monkeypatch):
    def interrupted(args):
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "command_presets", interrupted)
    with pytest.raises(KeyboardInterrupt):
        main(["presets"])


# --- nothing in a file runs code ------------------------------------------------------------------


class Planted:
    """A pickled object that, when unpickled, creates ``marker``: what a malicious file would do."""

    def __init__(self, marker: pathlib.Path):
        self.marker = marker

    def __reduce__(self):
        return pathlib.Path.touch, (self.marker,)


def write_with_torch(path, payload):
    torch.save(payload, path)


def write_with_pickle(path, payload):
    path.write_bytes(pickle.dumps(payload))


def write_with_old_pickle(path, payload):
    path.write_bytes(pickle.dumps(payload, protocol=2))


WRITERS = [write_with_torch, write_with_pickle, write_with_old_pickle]


def planted_state(marker: pathlib.Path, run: pathlib.Path) -> dict:
    """A run's real checkpoint contents with one extra object that runs code when unpickled."""
    return {**load_checkpoint(run), "extra": Planted(marker)}


def test_the_planted_object_does_run_code_when_unpickled(tmp_path):
    marker = tmp_path / "marker"
    pickle.loads(pickle.dumps(Planted(marker)))
    assert marker.exists()  # so the tests below, where it stays absent, show the loaders refused it


@pytest.mark.parametrize("write", WRITERS)
def test_a_checkpoint_holding_pickled_code_is_refused(run_copy, tmp_path, write):
    marker = tmp_path / "marker"
    write(run_copy / "checkpoint.pt", planted_state(marker, run_copy))
    with pytest.raises(CheckpointError, match="not a readable infogan checkpoint") as error:
        load_checkpoint(run_copy)
    assert "\n" not in str(error.value) and "weights_only" not in str(error.value)
    with pytest.raises(CheckpointError):
        InfoGAN.load(run_copy)
    assert not marker.exists()


def test_a_torch_file_holding_python_objects_says_why_it_is_refused(run_copy, tmp_path, capsys):
    marker = tmp_path / "marker"
    torch.save(planted_state(marker, run_copy), run_copy / "checkpoint.pt")
    assert main(["evaluate", str(run_copy), "--no-data"]) == 2
    line = only_error_line(capsys.readouterr().err)
    assert "refused, it holds Python objects other than tensors and numbers, and loading them could run code" in line
    assert main(["sample", str(run_copy), "--out", str(tmp_path / "x.png")]) == 2
    only_error_line(capsys.readouterr().err)
    assert main(["explore", str(run_copy), "--port", "0"]) == 2
    only_error_line(capsys.readouterr().err)
    assert not marker.exists() and not (tmp_path / "x.png").exists()


def test_a_truncated_checkpoint_is_told_apart_from_a_refused_one(run_copy, capsys):
    raw = (run_copy / "checkpoint.pt").read_bytes()
    (run_copy / "checkpoint.pt").write_bytes(raw[: len(raw) // 2])
    assert main(["evaluate", str(run_copy), "--no-data"]) == 2
    line = only_error_line(capsys.readouterr().err)
    assert "is not a readable infogan checkpoint (truncated, damaged or another kind of file:" in line and "refused" not in line


@pytest.mark.parametrize("write", WRITERS)
def test_a_feature_net_holding_pickled_code_is_refused(run_copy, tmp_path, capsys, write):
    marker = tmp_path / "marker"
    net = tmp_path / "net.pt"
    write(net, {"format_version": 1, "kind": "infogan-feature-net", "metadata": {}, "state_dict": {"w": Planted(marker)}})
    with pytest.raises(CheckpointError, match="not a readable"):
        load_feature_net(net)
    assert main(["evaluate", str(run_copy), "--samples", "16", "--feature-net", str(net)]) == 2
    assert str(net) in only_error_line(capsys.readouterr().err)
    assert not marker.exists()


def test_an_image_cache_holding_pickled_objects_is_rebuilt_without_loading_them(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    folder = tmp_path / "pictures"
    folder.mkdir()
    for i in range(3):
        Image.fromarray(np.full((20, 20), 60 * i, dtype=np.uint8)).save(folder / f"{i}.png")
    first = np.asarray(data.load_dataset("folder", data_dir=folder, shape=(1, 28, 28)).array).copy()
    [cache] = (tmp_path / "cache" / "infogan" / "resized").glob("*.npy")
    marker = tmp_path / "marker"
    np.save(cache, np.array([Planted(marker)], dtype=object), allow_pickle=True)
    again = data.load_dataset("folder", data_dir=folder, shape=(1, 28, 28))
    assert np.array_equal(np.asarray(again.array), first)
    assert np.load(cache).dtype == np.uint8  # the planted file was replaced by a real cache
    assert not marker.exists()


def test_no_reader_in_the_package_unpickles():
    """Every torch.load passes weights_only=True and every np.load refuses pickles: checked in the source."""
    for path in pathlib.Path(infogan.__file__).parent.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and isinstance(node.func.value, ast.Name):
                call = f"{node.func.value.id}.{node.func.attr}"
                keywords = {keyword.arg: getattr(keyword.value, "value", None) for keyword in node.keywords}
                assert call not in ("pickle.load", "pickle.loads"), path
                if call == "torch.load":
                    assert keywords.get("weights_only") is True, path
                if call == "np.load":
                    assert keywords.get("allow_pickle") is False, path


# --- the explorer serves only its own answers -----------------------------------------------------


@pytest.fixture(scope="module")
def explorer(run):
    server = make_server(run, port=0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def raw_get(server, path: str) -> tuple[int, bytes]:
    """GET ``path`` exactly as written (no client-side normalisation of dots or slashes)."""
    connection = http.client.HTTPConnection(*server.server_address[:2], timeout=30)
    try:
        connection.putrequest("GET", path, skip_host=True, skip_accept_encoding=True)
        connection.putheader("Host", "localhost")
        connection.endheaders()
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def test_the_explorer_listens_on_this_machine_only_by_default(explorer):
    assert explorer.server_address[0] == "127.0.0.1"


@pytest.mark.parametrize("path", [
    "/../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "//etc/passwd", "/explorer.html", "/src/infogan/cli.py",
    "/..%2f..%2fetc%2fpasswd", "/static/../../../etc/passwd", "/api/model/../../etc/passwd",
])
def test_paths_outside_its_own_answers_are_404_and_give_no_file(explorer, path):
    status, body = raw_get(explorer, path)
    assert status == 404 and body == b"not found"


def test_its_own_answers_are_served(explorer):
    assert raw_get(explorer, "/")[0] == 200
    assert raw_get(explorer, "/api/model")[0] == 200
    status, body = raw_get(explorer, "/image.png?seed=1")
    assert status == 200 and body.startswith(b"\x89PNG")


# --- bad input gets one clear line: MNIST's IDX files ---------------------------------------------


def mnist_copy(tiny_data_root, tmp_path) -> pathlib.Path:
    root = tmp_path / "data"
    shutil.copytree(tiny_data_root / "mnist", root / "mnist")
    return root


def flipped_in_the_middle(raw: bytes) -> bytes:
    damaged = bytearray(raw)
    damaged[len(raw) // 2] ^= 0x10
    return bytes(damaged)


def idx_header(magic: int, *sizes: int) -> bytes:
    return struct.pack(f">{1 + len(sizes)}I", magic, *sizes)


IMAGES = "t10k-images-idx3-ubyte.gz"
IDX_DAMAGES = {
    "corrupt gzip": (lambda raw: flipped_in_the_middle(raw), "cannot read"),
    "truncated gzip": (lambda raw: raw[: len(raw) // 2], "cannot read (Compressed file ended before the end-of-stream marker was reached)"),
    "wrong magic": (lambda raw: gzip.compress(idx_header(0x0999, 20, 28, 28) + bytes(20 * 28 * 28)), "wrong magic number 0x00000999"),
    "absurd sizes": (lambda raw: gzip.compress(idx_header(2051, 2**31, 2**31, 4)), "truncated: header promises 18446744073709551616 bytes"),
}


@pytest.mark.parametrize("damage", IDX_DAMAGES)
def test_a_damaged_idx_file_is_one_line_naming_it(run, tiny_data_root, tmp_path, capsys, damage):
    root = mnist_copy(tiny_data_root, tmp_path)
    change, message = IDX_DAMAGES[damage]
    (root / "mnist" / IMAGES).write_bytes(change((root / "mnist" / IMAGES).read_bytes()))
    assert main(["evaluate", str(run), "--data-dir", str(root)]) == 2
    line = only_error_line(capsys.readouterr().err)
    assert str(root / "mnist" / IMAGES) in line and message in line


@pytest.mark.parametrize("images, message", [
    (np.zeros((20, 20, 20), np.uint8), "mnist has 1x20x20 images (channels x height x width) but network mnist takes 1x28x28"),
    (np.zeros((19, 28, 28), np.uint8), "needs N images and N labels, got shapes (19, 28, 28) and (20,)"),
    (np.zeros(20, np.uint8), "needs N images and N labels, got shapes (20,) and (20,)"),
])
def test_idx_files_of_the_wrong_shape_or_count_are_one_line(run, tiny_data_root, tmp_path, capsys, images, message):
    root = mnist_copy(tiny_data_root, tmp_path)
    write_idx(root / "mnist" / IMAGES, images)
    assert main(["evaluate", str(run), "--data-dir", str(root)]) == 2
    assert message in only_error_line(capsys.readouterr().err)


# --- SVHN's .mat files ----------------------------------------------------------------------------

X_DATA_TAG = 184  # savemat's uncompressed layout: 128-byte header, matrix tag 8, flags 16, 4 dimensions 24, name "X" 8


def svhn_mat(count: int = 4) -> bytes:
    buffer = io.BytesIO()
    savemat(buffer, {"X": np.zeros((32, 32, 3, count), np.uint8), "y": np.ones((count, 1), np.uint8)})
    return buffer.getvalue()


@pytest.fixture(scope="module")
def svhn_run(tmp_path_factory):
    return save_untrained_run(tmp_path_factory.mktemp("errors") / "svhn", dataset="svhn", network="svhn", noise=16)


def svhn_root(tmp_path, raw: bytes) -> pathlib.Path:
    (tmp_path / "data" / "svhn").mkdir(parents=True)
    (tmp_path / "data" / "svhn" / "test_32x32.mat").write_bytes(raw)
    return tmp_path / "data"


@pytest.mark.parametrize("damage, message", [
    (lambda raw: raw[: len(raw) // 2], "not a readable MATLAB v5 .mat file"),
    (lambda raw: raw[:100], "not a readable MATLAB v5 .mat file"),
    (lambda raw: raw[:124] + b"\x00\x02" + raw[126:], "not a readable MATLAB v5 .mat file (Please use HDF reader for matlab v7.3 files"),
])
def test_a_damaged_mat_file_is_one_line_naming_it(svhn_run, tmp_path, capsys, damage, message):
    root = svhn_root(tmp_path, damage(svhn_mat()))
    assert main(["evaluate", str(svhn_run), "--data-dir", str(root)]) == 2
    line = only_error_line(capsys.readouterr().err)
    assert str(root / "svhn" / "test_32x32.mat") in line and message in line


def compressed(raw: bytes) -> bytes:
    """A MATLAB v5 file with each variable zlib-compressed, as MATLAB writes them (and SVHN's files are)."""
    parts, position = [raw[:128]], 128
    while position < len(raw):
        size = struct.unpack_from("<I", raw, position + 4)[0]
        packed = zlib.compress(raw[position : position + 8 + size])
        parts += [struct.pack("<II", 15, len(packed)), packed]
        position += 8 + size
    return b"".join(parts)


@pytest.mark.parametrize("store", [bytes, compressed])
def test_a_mat_file_with_a_damaged_type_code_is_one_line_not_a_crash(svhn_run, tmp_path, store):
    """SciPy (to 1.17 at least) trusts an array's type code and crashes the process on a bad one;
    the file is refused before SciPy reads it. In a subprocess, so a crash fails only this test."""
    raw = bytearray(svhn_mat())
    assert raw[X_DATA_TAG:X_DATA_TAG + 4] == struct.pack("<I", 2)  # X's data: miUINT8
    raw[X_DATA_TAG + 1] = 0x10  # one flipped bit: type code 4098
    root = svhn_root(tmp_path, store(bytes(raw)))
    command = [sys.executable, "-m", "infogan", "evaluate", str(svhn_run), "--data-dir", str(root)]
    finished = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert finished.returncode == 2, finished.stderr
    assert "X is damaged: its data has the unknown type code 4098" in only_error_line(finished.stderr)


# --- image folders --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def folder_run(tmp_path_factory):
    return save_untrained_run(tmp_path_factory.mktemp("errors") / "folder", dataset="folder", codes="cat:3,cont:1", noise=8)


def test_an_empty_image_folder_is_one_line(folder_run, tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    assert main(["evaluate", str(folder_run), "--data-dir", str(tmp_path / "empty")]) == 2
    assert "no .png/.jpg/.jpeg images found" in only_error_line(capsys.readouterr().err)


def test_unreadable_images_among_good_ones_are_skipped_with_one_warning_line(folder_run, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    folder = tmp_path / "pictures"
    folder.mkdir()
    for i in range(4):
        Image.fromarray(np.full((24, 24, 3), 50 * i, dtype=np.uint8)).save(folder / f"good{i}.{'png' if i % 2 else 'jpg'}")
    (folder / "bad.png").write_bytes(b"\x89PNG\r\n\x1a\n but nothing else")
    jpeg = (folder / "good0.jpg").read_bytes()
    (folder / "cut.jpg").write_bytes(jpeg[: len(jpeg) // 3])
    assert main(["evaluate", str(folder_run), "--data-dir", str(folder), "--samples", "16", "--no-quality"]) == 0
    err = capsys.readouterr().err
    assert [line for line in err.splitlines() if line.strip()] == [
        f"infogan: warning: {folder}: skipped 2 unreadable image file(s): bad.png, cut.jpg"
    ]


# --- settings -------------------------------------------------------------------------------------


def train_args(tiny_data_root, tmp_path, *extra):
    return ["train", "--out", str(tmp_path / "run"), "--data-dir", str(tiny_data_root), "--no-verify", "--quiet", *extra]


@pytest.mark.parametrize("codes", ["", "cont:-1", "cont:1:-inf:inf", "cont:1000000000", "cat:100000"])
def test_code_specifications_that_cannot_be_used_are_one_line(tiny_data_root, tmp_path, capsys, codes):
    assert main(train_args(tiny_data_root, tmp_path, "--codes", codes)) == 2
    assert "cannot read code" in only_error_line(capsys.readouterr().err)
    assert not (tmp_path / "run").exists()


@pytest.mark.parametrize("flag, value, message", [
    ("--steps", "-1", "steps must be positive, got -1"),
    ("--lr-d", "nan", "lr_d must be a finite number, got nan"),
])
def test_out_of_range_settings_are_one_line(tiny_data_root, tmp_path, capsys, flag, value, message):
    assert main(train_args(tiny_data_root, tmp_path, flag, value)) == 2
    assert message in only_error_line(capsys.readouterr().err)


@pytest.mark.parametrize("flag, value, message", [
    ("--lr-d", "abc", "argument --lr-d: invalid float value: 'abc'"),
    ("--steps", "ten", "argument --steps: invalid int value: 'ten'"),
    ("--preset", "dsprites", "argument --preset: invalid choice: 'dsprites'"),
])
def test_settings_that_are_not_numbers_or_choices_are_argparse_errors_naming_the_flag(tiny_data_root, tmp_path, capsys, flag, value, message):
    with pytest.raises(SystemExit) as exit_info:
        main(train_args(tiny_data_root, tmp_path, flag, value))
    assert exit_info.value.code == 2
    assert message in usage_error_line(capsys.readouterr().err)


# --- a checkpoint from another network ------------------------------------------------------------


@pytest.mark.parametrize("network, message", [
    ("svhn", "its weights do not fit the svhn network its settings name"),
    ("resnet", "unknown network 'resnet'"),
])
def test_a_checkpoint_whose_settings_name_another_network_is_one_line(run_copy, tmp_path, capsys, network, message):
    state = load_checkpoint(run_copy)
    state["config"]["network"] = network
    save_checkpoint(state, run_copy / "checkpoint.pt")
    assert main(["sample", str(run_copy), "--out", str(tmp_path / "x.png")]) == 2
    assert message in only_error_line(capsys.readouterr().err)


@pytest.mark.parametrize("flag", ["--lr-g", "--lambda-cat", "--checkpoint-minutes"])
@pytest.mark.parametrize("value", ["inf", "nan"])
def test_settings_must_be_finite(tiny_data_root, tmp_path, capsys, flag, value):
    assert main(["train", "--out", str(tmp_path / "run"), "--data-dir", str(tiny_data_root), "--no-verify", flag, value]) == 2
    error = capsys.readouterr().err.strip()
    assert error.startswith("infogan: error:") and "must be a finite number" in error and "\n" not in error


def test_a_checkpoint_without_weights_is_a_one_line_error(tmp_path, capsys):
    save_checkpoint({"config": TrainConfig().to_dict(), "step": 0}, tmp_path / "checkpoint.pt")
    assert main(["sample", str(tmp_path), "--out", str(tmp_path / "x.png")]) == 2
    error = capsys.readouterr().err.strip()
    assert error.startswith("infogan: error:") and "lacks generator, discriminator" in error and "\n" not in error
