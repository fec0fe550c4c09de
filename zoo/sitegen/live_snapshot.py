"""A memory snapshot of the live-run worker, made at build time, so a reader's first live run starts fast.

Pyodide can start from a copy of its memory taken after start-up instead of starting Python again: about
five times faster. We take that copy in Node (live_snapshot.mjs beside this file) with numpy loaded and the
kernels and the worker's program imported, and serve it as ``assets/vendor/pyodide/zoo-snapshot.bin.gz``.
The options involved are private to Pyodide and tied to its exact build (its own check refuses a snapshot
from another build), so the snapshot is an optimisation only: if it cannot be made the build goes on
without it, and if the browser cannot use it the worker starts Pyodide the normal way
(docs/assets/js/live/snapshot.js). ``ZOO_LIVE_SNAPSHOT=0`` builds without one.

Its cost is bytes: about 10 MB (gzip) on top of the normal start's downloads, fetched in parallel with them;
the worker skips it when the reader asked the browser to save data (docs/assets/js/live/runtime.js).

Making it takes about 10 s of CPU, so the last one made is kept in the build cache (beside the numpy wheel,
``pyodide_assets.cache_dir()``) under a hash of everything it is made from: this script, the Node version,
the vendored Pyodide files, the Python sources and the warm-up runs. A build with the same inputs copies it;
any change to one of them makes a new one.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from zoo.sitegen import pyodide_assets

FILE = "zoo-snapshot.bin.gz"
SCRIPT = Path(__file__).with_name("live_snapshot.mjs")
TIMEOUT_S = 300  # a start, numpy and 65 small runs: about 10 s on a quiet machine


def make(vendor: Path, python_json: Path, warm: list[dict], *, log=print) -> dict | None:
    """Write ``vendor/FILE``; return ``{"file", "bytes"}`` for the manifest, or None (and say why)."""
    target = vendor / FILE
    target.unlink(missing_ok=True)
    if os.environ.get("ZOO_LIVE_SNAPSHOT", "") == "0":
        return None
    node = shutil.which("node")
    if node is None:
        log("live: no start-up snapshot: node is not installed (live runs start the normal way)")
        return None
    warm_text = json.dumps(warm)
    cached = cache_path(node, vendor, python_json, warm_text)
    if cached is not None and cached.is_file():
        shutil.copyfile(cached, target)
        return {"file": FILE, "bytes": target.stat().st_size}
    with tempfile.TemporaryDirectory(prefix="zoo-snapshot-") as tmp:
        warm_json = Path(tmp) / "warm.json"
        warm_json.write_text(warm_text, encoding="utf-8")
        cmd = [node, str(SCRIPT), f"{vendor.resolve()}/", str(python_json), str(warm_json), str(target)]
        try:
            subprocess.run(cmd, check=True, capture_output=True, text=True, timeout=TIMEOUT_S)
        except (OSError, subprocess.SubprocessError) as err:
            target.unlink(missing_ok=True)
            detail = (getattr(err, "stderr", "") or str(err)).strip().splitlines()[:1] or [""]
            log(f"live: no start-up snapshot ({detail[0]}); live runs start the normal way")
            return None
    if cached is not None:
        remember(target, cached)
    return {"file": FILE, "bytes": target.stat().st_size}


def cache_path(node: str, vendor: Path, python_json: Path, warm_text: str) -> Path | None:
    """Where the snapshot of exactly these inputs is kept (None if one of them cannot be read: no cache)."""
    try:
        version = subprocess.run([node, "--version"], check=True, capture_output=True, text=True).stdout
        h = hashlib.sha256()
        for part in (SCRIPT.read_bytes(), version.encode(), python_json.read_bytes(), warm_text.encode()):
            h.update(hashlib.sha256(part).digest())
        for path in sorted(vendor.iterdir()):
            if path.is_file() and path.name not in (FILE, pyodide_assets.MANIFEST):
                h.update(path.name.encode() + b"\0" + bytes.fromhex(pyodide_assets.sha256(path)))
    except (OSError, subprocess.SubprocessError):
        return None
    return pyodide_assets.cache_dir() / "snapshots" / f"{h.hexdigest()}.bin.gz"


def remember(target: Path, cached: Path) -> None:
    """Keep this snapshot as the only one in the cache (each is 13 MB; older inputs rarely come back)."""
    try:
        cached.parent.mkdir(parents=True, exist_ok=True)
        part = cached.with_suffix(f".{os.getpid()}.part")
        shutil.copyfile(target, part)
        part.replace(cached)  # whole or not at all, if two builds finish together
        for old in cached.parent.glob("*.bin.gz"):
            if old != cached:
                old.unlink(missing_ok=True)
    except OSError:
        pass  # a cache that cannot be written only costs the next build its time
