"""``infogan explore``: a live page for turning a trained model's codes in the browser.

Python's own ``http.server`` serves one static page (``explorer.html``, plain JavaScript, nothing
fetched from the internet) and renders PNGs with the model on request: no web framework to
install, and a request for one image costs a generator forward pass of a few milliseconds. The
image for a view is made exactly as ``infogan sample RUN -n 1 --seed S --code ...`` makes it, so
the command the page shows reproduces it pixel for pixel.
"""

from __future__ import annotations

import io
import json
import threading
import time
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import numpy as np
import torch
from PIL import Image

from .codes import CodeError
from .figures import circle_sweep, image_grid
from .model import InfoGAN

MAX_GRID = 16  # rows or columns of a grid view: bounds the work one request can ask for


def category_labels(run: Path, code_name: str, categories: int) -> list[dict]:
    """The choices for a categorical code, in page order: ``{"value", "label"}`` sorted by the class
    each category matched when ``infogan evaluate`` scored this code, else 0..K-1."""
    try:
        result = json.loads((run / "eval.json").read_text())
        mapping = result["mapping"] if result.get("accuracy_code") == code_name else None
    except (OSError, ValueError, KeyError, TypeError):
        mapping = None
    if not mapping or len(mapping) != categories:
        return [{"value": k, "label": f"category {k}"} for k in range(categories)]
    order = sorted(range(categories), key=lambda k: (mapping[k] < 0, mapping[k]))
    return [{"value": k, "label": f"class {mapping[k]} (category {k})" if mapping[k] >= 0 else f"category {k} (unmatched)"} for k in order]


def captured_factors(run: Path) -> dict[str, dict]:
    """Each code's best-scoring known factor from ``eval.json`` (rendered data only): the factor,
    its score and the measure (|Spearman|, circular correlation or mutual information)."""
    try:
        table = json.loads((run / "eval.json").read_text())["factors"]
        scores = np.asarray(table["scores"], dtype=np.float64)  # factors x codes
        factors, codes = table["factors"], table["codes"]
    except (OSError, ValueError, KeyError, TypeError):
        return {}
    best = {}
    for j, code in enumerate(codes):
        i = int(np.argmax(scores[:, j]))
        best[code] = {"factor": factors[i], "score": round(float(scores[i, j]), 3), "measure": table.get("measure", {}).get(code, "")}
    return best


class Explorer:
    """A loaded run and what the page asks of it: its description, one image, a sweep grid."""

    def __init__(self, run: str | Path, device: str = "cpu"):
        self.run = Path(run)
        self.model = InfoGAN.load(self.run, device)
        self.lock = threading.Lock()  # one forward pass at a time: the server's threads share the model

    def describe(self) -> dict:
        factors = captured_factors(self.run)
        codes = []
        for code in self.model.spec.codes:
            entry = {"name": code.name, "kind": code.kind, "describe": code.describe(), "factor": factors.get(code.name)}
            if code.kind == "cat":
                entry["options"] = category_labels(self.run, code.name, code.categories)
            codes.append(entry)
        channels, height, width = self.model.image_shape
        return {"run": str(self.run), "network": self.model.network, "step": self.model.step,
                "image": {"channels": channels, "height": height, "width": width}, "codes": codes, "range": [-2.0, 2.0]}

    def code_values(self, query: dict[str, list[str]]) -> dict[str, float]:
        """The codes a request fixes (``c1=3&c2=0.5``), each a finite number."""
        # a category is checked where the codes are drawn
        return {code.name: number(query, code.name, 0.0) for code in self.model.spec.codes if code.name in query}

    def image(self, seed: int, values: dict[str, float]) -> torch.Tensor:
        """One image, 1 x C x H x W in [0, 1]: what ``infogan sample -n 1 --seed SEED`` gives."""
        with self.lock, torch.no_grad():
            return self.model.generate(1, values, seed=seed)

    def grid(self, seed: int, values: dict[str, float], sweep: str, rows: int, columns: int, low: float, high: float) -> tuple[torch.Tensor, int]:
        """``rows`` noise draws (the ``rows`` first of seed ``seed``) down, ``sweep`` across: each
        category of a categorical code, ``columns`` angles once round for an angle code, or
        ``columns`` values from ``low`` to ``high``; the other codes as ``values`` fix them (the
        free ones drawn once per row)."""
        if sweep not in self.model.spec.by_name:
            raise CodeError(f"no code named {sweep!r}; this model has {', '.join(self.model.spec.by_name)}")
        code = self.model.spec.by_name[sweep]
        if code.kind == "cat":
            sweep_values = torch.arange(code.categories)
        else:
            sweep_values = torch.tensor(circle_sweep(columns)) if code.kind == "circ" else torch.linspace(low, high, columns)
        columns = len(sweep_values)
        with self.lock, torch.no_grad():
            noise, codes = self.model.latents(rows, values, seed=seed)
            noise = noise.repeat_interleave(columns, dim=0)
            codes = {name: value.repeat_interleave(columns, dim=0) for name, value in codes.items()}
            codes[sweep] = sweep_values.repeat(rows).to(codes[sweep].dtype)
            return self.model.generate_from(noise, codes), columns


def png_bytes(picture: Image.Image) -> bytes:
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG")
    return buffer.getvalue()


def integer(query: dict, name: str, default: int, low: int, high: int) -> int:
    text = query.get(name, [str(default)])[0]
    try:
        value = int(text)
    except ValueError:
        raise CodeError(f"{name} must be an integer, got {text!r}") from None
    if not low <= value <= high:
        raise CodeError(f"{name} must be between {low} and {high}, got {value}")
    return value


def number(query: dict, name: str, default: float) -> float:
    text = query.get(name, [str(default)])[0]
    try:
        value = float(text)
    except ValueError:
        raise CodeError(f"{name} must be a number, got {text!r}") from None
    if not np.isfinite(value):
        raise CodeError(f"{name} must be finite, got {text!r}")
    return value


def make_handler(explorer: Explorer, page: bytes):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format, *args):  # the terminal shows the address, not every request
            pass

        def send(self, status: int, body: bytes, content_type: str, extra: dict | None = None) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            for key, value in (extra or {}).items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self):
            url = urlparse(self.path)
            query = parse_qs(url.query)
            try:
                if url.path in ("/", "/index.html"):
                    self.send(HTTPStatus.OK, page, "text/html; charset=utf-8")
                elif url.path == "/api/model":
                    self.send(HTTPStatus.OK, json.dumps(explorer.describe()).encode(), "application/json")
                elif url.path in ("/image.png", "/grid.png"):
                    started = time.perf_counter()
                    seed = integer(query, "seed", 0, 0, 2**63 - 1)
                    values = explorer.code_values(query)
                    if url.path == "/image.png":
                        picture = image_grid(explorer.image(seed, values), columns=1, padding=0)
                    else:
                        images, columns = explorer.grid(seed, values, query.get("sweep", [""])[0],
                                                        integer(query, "rows", 6, 1, MAX_GRID), integer(query, "columns", 9, 2, MAX_GRID),
                                                        number(query, "low", -2.0), number(query, "high", 2.0))
                        picture = image_grid(images, columns)
                    body = png_bytes(picture)
                    self.send(HTTPStatus.OK, body, "image/png", {"X-Render-Ms": f"{1000 * (time.perf_counter() - started):.1f}"})
                else:
                    self.send(HTTPStatus.NOT_FOUND, b"not found", "text/plain")
            except CodeError as error:
                self.send(HTTPStatus.BAD_REQUEST, str(error).encode(), "text/plain; charset=utf-8")

    return Handler


def make_server(run: str | Path, host: str = "127.0.0.1", port: int = 8765, device: str = "cpu") -> ThreadingHTTPServer:
    """The explorer's server for ``run``, bound but not yet serving (``port=0``: any free port);
    ``serve_forever()`` runs it, ``server_address`` says where."""
    explorer = Explorer(run, device)
    page = resources.files("infogan").joinpath("explorer.html").read_bytes()
    server = ThreadingHTTPServer((host, port), make_handler(explorer, page))
    server.daemon_threads = True
    server.explorer = explorer
    return server
