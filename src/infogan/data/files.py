"""Where dataset files live: found on disk or downloaded and verified.

A data root holds one folder per dataset (``ROOT/mnist/train-images-idx3-ubyte.gz`` ...). The
root is taken from ``--data-dir``, then ``$INFOGAN_DATA``, then the user cache directory; when the
files are in none of them they are downloaded into the cache and checked against published
digests (for gzip files, of their decompressed bytes, so a re-compressed copy is accepted too).
"""

from __future__ import annotations

import gzip
import hashlib
import os
import tempfile
import urllib.request
import zlib
from dataclasses import dataclass
from pathlib import Path

from ..errors import one_line
from .base import DataError


@dataclass(frozen=True)
class RemoteFiles:
    """The files of one downloadable dataset: where to fetch them and what they must hash to."""

    name: str
    urls: tuple[str, ...]  # base URLs tried in order
    digests: dict[str, str]  # stored file name -> "algorithm:hex" of its (decompressed) bytes
    gzipped: bool = True  # files are served and stored as NAME.gz


def digest_of(raw: bytes, algorithm_and_hex: str) -> bool:
    algorithm, expected = algorithm_and_hex.split(":")
    return hashlib.new(algorithm, raw).hexdigest() == expected


def cache_root() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "infogan"


def candidate_roots(data_dir: str | os.PathLike | None) -> list[Path]:
    """Where to look, in order: ``--data-dir``, ``$INFOGAN_DATA``, the user cache."""
    roots = [Path(d) for d in (data_dir, os.environ.get("INFOGAN_DATA")) if d]
    return roots + [cache_root()]


def find_file(folder: Path, stem: str) -> Path | None:
    for name in (stem + ".gz", stem):
        if (folder / name).is_file():
            return folder / name
    return None


def read_verified(path: Path, algorithm_and_hex: str | None) -> bytes:
    """The file's bytes (decompressed when it ends in .gz), checked against a digest if given."""
    try:
        raw = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
    except (OSError, EOFError, zlib.error) as error:  # zlib.error: damaged compressed data
        raise DataError(f"{path}: cannot read ({one_line(error)})") from None
    if algorithm_and_hex is not None and not digest_of(raw, algorithm_and_hex):
        algorithm = {"sha256": "SHA-256", "md5": "MD5"}.get(algorithm_and_hex.split(":")[0], algorithm_and_hex.split(":")[0])
        raise DataError(f"{path}: {algorithm} checksum does not match the published file; replace it (or pass --no-verify for your own data)")
    return raw


def download(info: RemoteFiles, folder: Path) -> None:
    """Fetch any missing file of ``info`` into ``folder``, verifying its digest before keeping it."""
    folder.mkdir(parents=True, exist_ok=True)
    for stem, digest in info.digests.items():
        if find_file(folder, stem):
            continue
        remote = stem + ".gz" if info.gzipped else stem
        errors = []
        for base in info.urls:
            try:
                with urllib.request.urlopen(base + remote, timeout=60) as response:
                    payload = response.read()
                if not digest_of(gzip.decompress(payload) if info.gzipped else payload, digest):
                    raise DataError("checksum mismatch")
            except Exception as error:  # any failure moves on to the next mirror
                errors.append(f"{base}: {error}")
                continue
            fd, tmp = tempfile.mkstemp(dir=folder, suffix=".part")
            with os.fdopen(fd, "wb") as out:
                out.write(payload)
            os.replace(tmp, folder / remote)
            break
        else:
            raise DataError(f"could not download {remote}: " + "; ".join(errors))


def locate(info: RemoteFiles, data_dir: str | os.PathLike | None = None, allow_download: bool = True) -> Path:
    """The folder holding every file of ``info``, downloading into the cache if need be."""
    name = info.name
    roots = candidate_roots(data_dir)
    for root in roots:
        if all(find_file(root / name, stem) for stem in info.digests):
            return root / name
    target = cache_root() / name
    if allow_download:
        try:
            download(info, target)
            return target
        except (DataError, OSError) as error:
            reason = str(error)
    else:
        reason = "downloading is switched off"
    looked = ", ".join(str(r / name) for r in roots)
    suffix = ".gz" if info.gzipped else ""
    raise DataError(
        f"{name} not found (looked in {looked}) and {reason}. Put "
        f"{', '.join(s + suffix for s in info.digests)} in DIR/{name}/ and pass --data-dir DIR or set INFOGAN_DATA=DIR"
    )
