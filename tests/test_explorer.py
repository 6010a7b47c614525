"""``infogan explore``: the server's answers, and the page driven end to end in headless Chromium."""

import json
import shlex
import shutil
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from io import BytesIO

import numpy as np
import pytest
import torch
from PIL import Image

from infogan.checkpoint import save_checkpoint
from infogan.cli import main
from infogan.config import TrainConfig
from infogan.explorer import make_server
from infogan.model import InfoGAN


def as_pixels(images: np.ndarray) -> np.ndarray:
    """Floats N x C x H x W in [0, 1] to the uint8 H x W x C of a PNG, rounded as ``image_grid`` rounds."""
    return (np.clip(images[0], 0, 1).astype(np.float32) * 255).round().astype(np.uint8).transpose(1, 2, 0)


def sample_pixels(argv: list[str], tmp_path) -> np.ndarray:
    """What ``infogan sample`` gives for a command line (its --out replaced by a .npy file)."""
    out = tmp_path / "sample.npy"
    index = argv.index("--out")
    argv = argv[:index] + ["--out", str(out)] + argv[index + 2:]
    assert main(argv) == 0
    return as_pixels(np.load(out))


@pytest.fixture(scope="module")
def mnist_run(tiny_data_root, tmp_path_factory):
    """Four updates of the paper's MNIST codes (c1 ~ Cat(10), two continuous), evaluated, so the
    categories carry the classes they matched."""
    out = tmp_path_factory.mktemp("explore") / "mnist"
    assert main(["train", "--out", str(out), "--data-dir", str(tiny_data_root), "--no-verify", "--quiet", "--steps", "4",
                 "--batch-size", "16", "--eval-every", "0"]) == 0
    assert main(["evaluate", str(out), "--samples", "64"]) == 0
    return out


@pytest.fixture(scope="module")
def faces_run(tmp_path_factory):
    """Two updates of the faces-azimuth preset on the rendered faces3d, with its factor x code table."""
    out = tmp_path_factory.mktemp("explore") / "faces"
    assert main(["train", "--preset", "faces-azimuth", "--out", str(out), "--steps", "2", "--batch-size", "8",
                 "--eval-every", "0", "--quiet"]) == 0
    assert main(["evaluate", str(out), "--samples", "64", "--factor-samples", "200", "--no-scores", "--no-quality"]) == 0
    return out


@pytest.fixture(scope="module")
def colour_run(tmp_path_factory):
    """An untrained 32x32 colour model (the SVHN network) saved as a run folder."""
    out = tmp_path_factory.mktemp("explore") / "colour"
    out.mkdir()
    config = TrainConfig(dataset="svhn", network="svhn", codes="cat:10,cont:2", noise=16)
    model = InfoGAN.from_config(config)
    save_checkpoint({"config": config.to_dict(), "step": 0, "generator": model.generator.state_dict(),
                     "discriminator": model.discriminator.state_dict()}, out / "checkpoint.pt")
    return out


class Served:
    """An explorer serving a run on a free port in a background thread."""

    def __init__(self, run):
        self.server = make_server(run, port=0)
        host, port = self.server.server_address[:2]
        self.url = f"http://{host}:{port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def get(self, path: str) -> tuple[int, bytes, dict]:
        try:
            with urllib.request.build_opener().open(self.url + path, timeout=30) as response:
                return response.status, response.read(), dict(response.headers)
        except urllib.error.HTTPError as error:
            return error.code, error.read(), dict(error.headers)

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def served(request):
    servers = []

    def serve(run):
        servers.append(Served(run))
        return servers[-1]

    yield serve
    for server in servers:
        server.close()


def png(body: bytes) -> np.ndarray:
    picture = np.asarray(Image.open(BytesIO(body)))
    return picture[..., None] if picture.ndim == 2 else picture


# --- the server ---------------------------------------------------------------------------------


def test_the_model_description_orders_categories_by_their_matched_class(mnist_run, served):
    status, body, headers = served(mnist_run).get("/api/model")
    assert status == 200 and headers["Content-Type"] == "application/json"
    described = json.loads(body)
    mapping = json.loads((mnist_run / "eval.json").read_text())["mapping"]
    assert [code["name"] for code in described["codes"]] == ["c1", "c2", "c3"]
    options = described["codes"][0]["options"]
    assert sorted(option["value"] for option in options) == list(range(10))
    matched = [mapping[option["value"]] for option in options]
    assert [m for m in matched if m >= 0] == sorted(m for m in matched if m >= 0)  # matched classes in order, then the rest
    for option in options:
        assert option["label"].startswith(f"class {mapping[option['value']]} " if mapping[option["value"]] >= 0 else "category")
    assert described["image"] == {"channels": 1, "height": 28, "width": 28} and described["range"] == [-2.0, 2.0]


def test_an_image_is_what_infogan_sample_gives_for_the_same_codes_and_seed(mnist_run, served, tmp_path):
    server = served(mnist_run)
    status, body, headers = server.get("/image.png?seed=7&c1=3&c2=1.25&c3=-0.5")
    assert status == 200 and float(headers["X-Render-Ms"]) >= 0
    expected = sample_pixels(["sample", str(mnist_run), "-n", "1", "--seed", "7", "--code", "c1=3", "--code", "c2=1.25",
                              "--code", "c3=-0.5", "--out", "x"], tmp_path)
    assert np.array_equal(png(body), expected)
    _, other, _ = server.get("/image.png?seed=7&c1=3&c2=-1.25&c3=-0.5")
    assert not np.array_equal(png(other), expected)


def test_a_grid_sweeps_one_code_across_rows_of_noise_draws(mnist_run, served):
    server = served(mnist_run)
    status, body, _ = server.get("/grid.png?seed=2&c1=4&c3=0.3&sweep=c2&rows=3&columns=5&low=-1&high=1")
    assert status == 200
    grid = png(body)
    assert grid.shape == (2 + 3 * 30, 2 + 5 * 30, 1)  # 28-pixel cells with 2-pixel gaps
    model = InfoGAN.load(mnist_run)
    noise, codes = model.latents(3, {"c1": 4.0, "c3": 0.3}, seed=2)
    for row in range(3):
        for column, value in enumerate(np.linspace(-1, 1, 5)):
            cell_codes = {name: code[row:row + 1] for name, code in codes.items()}
            cell_codes["c2"] = torch.tensor([value], dtype=torch.float32)
            expected = as_pixels(model.generate_from(noise[row:row + 1], cell_codes).numpy())
            top, left = 2 + row * 30, 2 + column * 30
            assert np.array_equal(grid[top:top + 28, left:left + 28], expected), (row, column)
    _, categories, _ = server.get("/grid.png?seed=2&sweep=c1&rows=2")
    assert png(categories).shape == (2 + 2 * 30, 2 + 10 * 30, 1)  # a categorical code: one column per category


def test_rendered_data_shows_the_factor_each_code_captured(faces_run, served):
    described = json.loads(served(faces_run).get("/api/model")[1])
    table = json.loads((faces_run / "eval.json").read_text())["factors"]
    scores = np.asarray(table["scores"])
    for j, code in enumerate(described["codes"]):
        assert code["kind"] == "cont" and "options" not in code
        assert code["factor"]["factor"] == table["factors"][int(np.argmax(scores[:, j]))]
        assert code["factor"]["score"] == pytest.approx(scores[:, j].max(), abs=1e-3)
        assert code["factor"]["measure"] == "abs_spearman"


def test_colour_networks_are_served_in_colour(colour_run, served, tmp_path):
    server = served(colour_run)
    assert json.loads(server.get("/api/model")[1])["image"] == {"channels": 3, "height": 32, "width": 32}
    body = server.get("/image.png?seed=1&c1=2&c2=0.5")[1]
    expected = sample_pixels(["sample", str(colour_run), "-n", "1", "--seed", "1", "--code", "c1=2", "--code", "c2=0.5",
                              "--out", "x"], tmp_path)
    assert png(body).shape == (32, 32, 3) and np.array_equal(png(body), expected)


@pytest.mark.parametrize("query, message", [
    ("/image.png?c1=12", "integer in 0..9"),
    ("/image.png?c2=wide", "c2 must be a number"),
    ("/image.png?c2=nan", "c2 must be finite"),
    ("/image.png?seed=-1", "seed must be between"),
    ("/grid.png?sweep=c9", "no code named 'c9'"),
    ("/grid.png?sweep=c2&rows=500", "rows must be between 1 and 16"),
])
def test_bad_requests_get_a_400_with_the_reason(mnist_run, served, query, message):
    status, body, _ = served(mnist_run).get(query)
    assert status == 400 and message in body.decode()


def test_unknown_paths_are_404(mnist_run, served):
    assert served(mnist_run).get("/etc/passwd")[0] == 404


def test_the_page_needs_nothing_from_the_internet(mnist_run, served):
    page = served(mnist_run).get("/")[1].decode()
    assert "<script>" in page and "http://" not in page and "https://" not in page and "src=\"//" not in page


def test_the_command_prints_its_address_and_serves(mnist_run):
    process = subprocess.Popen([sys.executable, "-m", "infogan", "explore", str(mnist_run), "--port", "0"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = process.stdout.readline()
        assert line.startswith(f"exploring {mnist_run} at http://127.0.0.1:")
        address = line.split(" at ")[1].split()[0]
        with urllib.request.build_opener().open(address + "api/model", timeout=30) as response:
            assert json.loads(response.read())["network"] == "mnist"
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_a_port_in_use_is_a_one_line_error(mnist_run, served, capsys):
    busy = served(mnist_run).server.server_address[1]
    assert main(["explore", str(mnist_run), "--port", str(busy)]) == 2
    error = capsys.readouterr().err.strip()
    assert error.startswith("infogan: error:") and "\n" not in error


def test_a_missing_run_is_a_one_line_error(tmp_path, capsys):
    assert main(["explore", str(tmp_path / "nothing")]) == 2
    assert capsys.readouterr().err.startswith("infogan: error:")


# --- the page in a browser ------------------------------------------------------------------------

READ_PIXELS = """() => {
  const image = document.getElementById("view");
  const canvas = document.createElement("canvas");
  canvas.width = image.naturalWidth; canvas.height = image.naturalHeight;
  const context = canvas.getContext("2d");
  context.drawImage(image, 0, 0);
  return Array.from(context.getImageData(0, 0, canvas.width, canvas.height).data);
}"""
SHOWS_CURRENT_STATE = "() => model !== null && document.body.dataset.shown === queryOf(currentState())"


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api", reason="the browser test needs Playwright (pip install playwright)")
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.skip("the browser test needs Debian's chromium (apt-get install chromium)")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=["--headless", "--no-sandbox", "--disable-gpu"])
        yield browser
        browser.close()


def page_pixels(page, channels: int) -> np.ndarray:
    width, height = page.evaluate("() => [view.naturalWidth, view.naturalHeight]")
    rgba = np.asarray(page.evaluate(READ_PIXELS), dtype=np.uint8).reshape(height, width, 4)
    return rgba[..., :1] if channels == 1 else rgba[..., :3]


def shown_command(page) -> list[str]:
    argv = shlex.split(page.inner_text("#command"))
    assert argv[:2] == ["infogan", "sample"]
    return argv[1:]


def test_the_page_turns_codes_and_matches_infogan_sample_pixel_for_pixel(mnist_run, served, browser, tmp_path):
    page = browser.new_page()
    page.goto(served(mnist_run).url + "/")
    page.wait_for_function(SHOWS_CURRENT_STATE)
    first = page_pixels(page, 1)
    assert np.array_equal(first, sample_pixels(shown_command(page), tmp_path))

    slider = page.locator("#code-c2").bounding_box()  # move c2's slider to about 80 % of its range
    page.mouse.click(slider["x"] + 0.8 * slider["width"], slider["y"] + slider["height"] / 2)
    mapping = json.loads((mnist_run / "eval.json").read_text())["mapping"]
    category = next(k for k in range(10) if mapping[k] >= 0 and page.locator("#code-c1").input_value() != str(k))
    page.select_option("#code-c1", str(category))
    page.wait_for_function(SHOWS_CURRENT_STATE)
    assert 1.0 < float(page.input_value("#code-c2")) < 1.4
    argv = shown_command(page)
    assert f"c1={category}" in argv and f"c2={page.input_value('#code-c2')}" in argv and "c3=0" in argv
    moved = page_pixels(page, 1)
    assert not np.array_equal(moved, first)
    assert np.array_equal(moved, sample_pixels(argv, tmp_path))
    assert "updated in" in page.inner_text("#status") and page.inner_text("#error") == ""

    seed_before = page.input_value("#seed")
    page.click("#new-noise")
    page.wait_for_function(SHOWS_CURRENT_STATE)
    assert page.input_value("#seed") != seed_before and f"--seed {page.input_value('#seed')}" in page.inner_text("#command")
    assert np.array_equal(page_pixels(page, 1), sample_pixels(shown_command(page), tmp_path))

    page.select_option("#mode", "c3")  # grid mode: c3 swept across 9 columns for 6 noise draws
    page.wait_for_function(SHOWS_CURRENT_STATE)
    assert page_pixels(page, 1).shape == (2 + 6 * 30, 2 + 9 * 30, 1)
    page.close()


def test_the_page_labels_codes_with_captured_factors_on_rendered_data(faces_run, served, browser):
    page = browser.new_page()
    page.goto(served(faces_run).url + "/")
    page.wait_for_function(SHOWS_CURRENT_STATE)
    table = json.loads((faces_run / "eval.json").read_text())["factors"]
    scores = np.asarray(table["scores"])
    for j, code in enumerate(table["codes"]):
        assert page.inner_text(f"#factor-{code}").startswith(f"captured {table['factors'][int(np.argmax(scores[:, j]))]} (|Spearman|")
    assert "gray 32x32" in page.inner_text("#about")
    page.close()


def test_the_page_shows_colour(colour_run, served, browser, tmp_path):
    page = browser.new_page()
    page.goto(served(colour_run).url + "/")
    page.wait_for_function(SHOWS_CURRENT_STATE)
    pixels = page_pixels(page, 3)
    assert pixels.shape == (32, 32, 3) and np.array_equal(pixels, sample_pixels(shown_command(page), tmp_path))
    page.close()
