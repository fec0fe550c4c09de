"""What the build writes for live runs (no browser): Pyodide + the verified numpy wheel, and static figures
that are exactly what the kernels compute."""

import base64
import gzip
import hashlib
import json
import re
import subprocess
from pathlib import Path

import numpy as np
import pytest

from zoo import registry
from zoo.sitegen import live, live_snapshot, pyodide_assets

ROOT = Path(__file__).resolve().parents[2]


def test_install_serves_the_core_and_the_verified_wheel_with_a_matching_lock(tmp_path):
    got = pyodide_assets.install(tmp_path, ROOT, log=lambda *_: None)
    assert got.available, got.reason
    out = tmp_path / pyodide_assets.VENDOR_DIR
    lock = json.loads((out / "pyodide-lock.json").read_text())
    assert lock["info"]["version"] == "0.27.7"
    assert list(lock["packages"]) == ["numpy"], "the lock lists exactly what is served"
    wheel = out / lock["packages"]["numpy"]["file_name"]
    assert pyodide_assets.sha256(wheel) == lock["packages"]["numpy"]["sha256"]
    manifest = json.loads((out / "zoo-live.json").read_text())
    assert manifest["available"] is True
    # The worker fetches the wheel itself and checks it against this Subresource Integrity string.
    digest = base64.b64encode(hashlib.sha256(wheel.read_bytes()).digest()).decode()
    assert manifest["wheel"] == {"file": wheel.name, "integrity": f"sha256-{digest}"}
    assert manifest["total_bytes"] == sum(
        p.stat().st_size for p in out.iterdir() if p.name != "zoo-live.json"
    )
    for name in pyodide_assets.CORE_FILES:
        assert (out / name).read_bytes() == (ROOT / "node_modules/pyodide" / name).read_bytes()


def test_without_the_wheel_the_build_goes_on_and_says_why(tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / pyodide_assets.NUMPY_WHEEL).write_bytes(b"not the wheel")  # a corrupt cached file is not trusted
    monkeypatch.setenv("ZOO_CACHE_DIR", str(cache))
    monkeypatch.setenv("ZOO_OFFLINE", "1")
    got = pyodide_assets.install(tmp_path / "docs", ROOT, log=lambda *_: None)
    assert not got.available and "numpy wheel" in got.reason
    out = tmp_path / "docs" / pyodide_assets.VENDOR_DIR
    assert not list(out.glob("*.whl"))
    assert json.loads((out / "pyodide-lock.json").read_text())["packages"] == {}
    manifest = json.loads((out / "zoo-live.json").read_text())
    assert manifest["available"] is False and manifest["reason"] == got.reason


def test_no_wheel_is_committed():
    tracked = subprocess.run(
        ["git", "ls-files", "*.whl", "**/*.whl"], cwd=ROOT, capture_output=True, text=True
    )
    assert tracked.stdout.strip() == ""


@pytest.mark.parametrize("T", [live.CARD["T"], live.PAGE["T"]])
def test_static_mixing_figures_are_the_kernels_output(built_site, T):
    from kernels_wasm import api

    reg = registry.load()
    d = live.CARD["d"] if T == live.CARD["T"] else live.PAGE["d"]
    for m in reg.models:
        A = np.asarray(api.simulate(m.kernel.module, T=T, d=d, seed=live.SEED, **live.defaults(m))["A"])
        A = A[0] if A.ndim == 3 else A
        if T == live.PAGE["T"]:  # the card draws its small grid as SVG only
            fig = json.loads((built_site / f"{live.FIGS}/{m.id}-mixing-t{T}.json").read_text())
            np.testing.assert_allclose(fig["data"][0]["z"], A, rtol=1e-5, atol=1e-12, err_msg=m.id)
        svg = (built_site / f"{live.FIGS}/{m.id}-mixing-t{T}.svg").read_text()
        assert svg.startswith("<svg") and svg.count("<rect") == int(_drawn_cells(A).sum()), m.id
        config = json.loads((built_site / f"{live.LIVE}/{m.id}.json").read_text())
        assert config["module"] == m.kernel.module
        assert [p["name"] for p in config["params"]] == [p.name for p in m.kernel.params]
        for p in config["params"]:  # the sliders' text shows kₜ, zₜᵀ, not the registry's k_t, z_t^T
            assert not re.search(r"_t\b|\^T\b|_\{", p["label"] + " " + p["help"]), (m.id, p)


def test_build_time_run_is_the_kernels_output_at_the_defaults(built_site):
    """assets/data/live/<id>-run.bin, drawn by the panel while Pyodide starts, is api.simulate at the
    panel's defaults (in float32), and the panel's settings describe its layout."""
    from kernels_wasm import api

    for m in registry.load().models:
        config = json.loads((built_site / f"{live.LIVE}/{m.id}.json").read_text())
        assert config["defaults"] == {**live.PAGE, "seed": live.SEED}
        want = api.simulate(m.kernel.module, **live.PAGE, seed=live.SEED, **live.defaults(m))
        floats = np.frombuffer((built_site / config["build_run"]["file"]).read_bytes(), dtype="<f4")
        offset = 0
        for name, shape in config["build_run"]["shapes"].items():
            if want[name] is None:
                assert shape is None, (m.id, name)
                continue
            expected = np.asarray(want[name], dtype=np.float64)
            assert shape == list(expected.shape), (m.id, name)
            got = floats[offset : offset + expected.size].reshape(expected.shape)
            offset += expected.size
            scale = max(1.0, float(np.max(np.abs(expected))))
            np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-6 * scale, err_msg=f"{m.id} {name}")
        assert offset == floats.size, m.id


def _drawn_cells(A: np.ndarray) -> np.ndarray:
    """Cells the SVG draws: everything except exact zeros above the (step) diagonal."""
    T = A.shape[0]
    per_step = A.shape[1] // T
    future = np.arange(A.shape[1])[None, :] // per_step > np.arange(T)[:, None]
    return ~(future & (A == 0))


def test_the_workers_python_ships_in_one_file_and_runs_in_cpython(built_site):
    """python.json holds every kernels_wasm source and the worker's program; that program, run by CPython,
    gives what api.simulate gives and names the files the run executed."""
    import importlib.util

    from kernels_wasm import api

    shipped = json.loads((built_site / live.PYTHON).read_text())
    kernels = ROOT / "kernels_wasm"
    assert shipped["kernels_wasm"] == {p.name: p.read_text(encoding="utf-8") for p in kernels.glob("*.py")}
    source = ROOT / "docs" / live.WORKER_PY
    assert shipped["worker"] == source.read_text(encoding="utf-8")

    spec = importlib.util.spec_from_file_location("zoo_live_worker", source)
    worker = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(worker)
    args = {"module": "gated_deltanet", "T": 12, "d": 4, "seed": 3, "params": {"beta": 0.25, "a": 0.1}}
    arrays, checksum, ms, files, shape = worker.run(json.dumps(args), 1, 12)
    want = api.simulate("gated_deltanet", T=12, d=4, seed=3, beta=0.25, a=0.1)
    assert checksum == want["checksum"] and ms >= 0
    np.testing.assert_array_equal(arrays["A"], want["A"])
    assert arrays["A"].dtype == np.float64 and arrays["A"].flags.c_contiguous
    assert shape == {"channels": 0, "steps": 12, "state_shape": [4, 4]}
    np.testing.assert_array_equal(arrays["state"], want["states"][-1])  # a new run shows its last step
    np.testing.assert_array_equal(arrays["o"], want["o"])
    np.testing.assert_array_equal(arrays["state_norm"], want["state_norm"])
    assert files[:2] == ["api.py", "gated_deltanet.py"] and all((kernels / f).is_file() for f in files)
    np.testing.assert_array_equal(worker.view(1, 5)["state"], want["states"][4])  # the step slider

    # Per-channel A (Mamba-1): only the channel shown is sent; the channel slider asks for another.
    args = {"module": "mamba", "T": 8, "d": 4, "seed": 1, "params": {}}
    arrays, checksum, _, _, shape = worker.run(json.dumps(args), 2, 8)
    want = api.simulate("mamba", T=8, d=4, seed=1)
    assert checksum == want["checksum"] and shape["channels"] == 4
    np.testing.assert_array_equal(arrays["A"], want["A"][1])
    np.testing.assert_array_equal(worker.view(4, 3)["A"], want["A"][3])
    np.testing.assert_array_equal(worker.view(4, 3)["state"], want["states"][2])

    # A compact form of A (multi-input SSMs): the run builds only the channel shown, yet checks the same.
    args = {"module": "s5", "T": 8, "d": 4, "seed": 2, "params": {}}
    arrays, checksum, _, _, shape = worker.run(json.dumps(args), 3, 8)
    want = api.simulate("s5", T=8, d=4, seed=2)
    assert checksum == want["checksum"] and shape["channels"] == 4 and want["A"].shape == (4, 8, 32)
    np.testing.assert_array_equal(arrays["A"], want["A"][2])
    np.testing.assert_array_equal(arrays["o"], want["o"])
    np.testing.assert_array_equal(worker.view(1, 3)["A"], want["A"][0])


def test_the_build_makes_a_start_up_snapshot_of_its_own_files(built_site):
    """The snapshot (zoo/sitegen/live_snapshot.mjs) is listed in the manifest and made from this build's
    Pyodide: numpy's installed files in it are the wheel's, and every library Pyodide loads is among them.
    That it starts in a browser and computes what CPython does: tests/browser/test_live*.py."""
    import zipfile

    vendor = built_site / pyodide_assets.VENDOR_DIR
    manifest = json.loads((vendor / pyodide_assets.MANIFEST).read_text())
    path = vendor / live_snapshot.FILE
    assert manifest["snapshot"] == {"file": live_snapshot.FILE, "bytes": path.stat().st_size}
    # What a first live run downloads, as the model pages say: the snapshot instead of the wheel.
    download = manifest["total_bytes"] - manifest["files"][pyodide_assets.NUMPY_WHEEL] + path.stat().st_size
    assert manifest["download_bytes"] == download
    said = re.compile(rf"the first run downloads Pyodide and numpy[ ,(]+about {round(download / 1e6)} MB")
    for page in (built_site / "models" / registry.load().models[0].id, built_site / "recall"):
        assert said.search((page / "index.html").read_text()), page.name
    data = gzip.decompress(path.read_bytes())
    assert data[:4] == b"ZOOS"
    n = int.from_bytes(data[4:8], "little")
    meta = json.loads(data[8 : 8 + n])
    assert meta["pyodide"] == pyodide_assets.PYODIDE_VERSION and meta["format"] == 2
    offset = -(-(8 + n) // 16) * 16
    assert len(data) == offset + meta["memoryBytes"] + sum(size for _, size in meta["files"])
    with zipfile.ZipFile(vendor / pyodide_assets.NUMPY_WHEEL) as wheel:
        in_wheel = {i.filename: i.file_size for i in wheel.infolist() if not i.is_dir()}
    files = dict(meta["files"])
    assert {k: v for k, v in files.items() if k in in_wheel} == in_wheel, "every file of the wheel, whole"
    libs = [lib["path"].removeprefix(meta["sitePackages"] + "/") for lib in meta["libs"]]
    assert libs and set(libs) <= set(files) and all(lib.endswith(".so") for lib in libs)


def test_without_node_the_build_goes_on_without_a_snapshot(tmp_path, monkeypatch):
    (tmp_path / live_snapshot.FILE).write_bytes(b"stale")
    said = []
    monkeypatch.setattr(live_snapshot.shutil, "which", lambda _: None)
    assert live_snapshot.make(tmp_path, tmp_path / "python.json", [], log=said.append) is None
    assert not (tmp_path / live_snapshot.FILE).exists(), "no stale snapshot is left to be served"
    assert "node is not installed" in said[0]
    # A failing snapshot script (here: no Pyodide in the folder) is reported the same way.
    monkeypatch.undo()
    assert live_snapshot.make(tmp_path, tmp_path / "python.json", [], log=said.append) is None
    assert "no start-up snapshot" in said[1] and not (tmp_path / live_snapshot.FILE).exists()


def test_a_snapshot_of_the_same_inputs_comes_from_the_cache_and_any_change_makes_a_new_one(
    tmp_path, monkeypatch
):
    """The cache of live_snapshot.make, with a stand-in for live_snapshot.mjs that counts its runs."""
    runs = tmp_path / "runs.txt"
    script = tmp_path / "fake_snapshot.mjs"
    script.write_text(
        'import { appendFileSync, writeFileSync } from "node:fs";\n'
        "const [, , vendor, python, warm, out] = process.argv;\n"
        f"appendFileSync({json.dumps(str(runs))}, 'run\\n');\n"
        "writeFileSync(out, `snapshot of ${vendor} ${python} ${warm}`);\n"
    )
    monkeypatch.setattr(live_snapshot, "SCRIPT", script)
    monkeypatch.setenv("ZOO_CACHE_DIR", str(tmp_path / "cache"))
    vendor, python_json = tmp_path / "vendor", tmp_path / "python.json"
    vendor.mkdir()
    (vendor / "pyodide.asm.wasm").write_bytes(b"wasm")
    (vendor / pyodide_assets.MANIFEST).write_text("{}")  # written again after the snapshot: not an input
    python_json.write_text('{"kernels_wasm": {}}')
    warm = [{"module": "softmax", "params": {}}]

    def make():
        made = live_snapshot.make(vendor, python_json, warm)
        assert made == {"file": live_snapshot.FILE, "bytes": (vendor / live_snapshot.FILE).stat().st_size}
        return (vendor / live_snapshot.FILE).read_bytes(), runs.read_text().count("run")

    first, n = make()
    assert n == 1
    (vendor / pyodide_assets.MANIFEST).write_text('{"snapshot": 1}')
    assert make() == (first, 1), "the same inputs: copied from the cache, not made again"
    for change in (
        lambda: python_json.write_text('{"kernels_wasm": {"a.py": ""}}'),  # a kernel changed
        lambda: (vendor / "pyodide.asm.wasm").write_bytes(b"wasm 2"),  # another Pyodide
        lambda: warm.append({"module": "gla", "params": {}}),  # another warm-up
        lambda: script.write_text(script.read_text() + "// changed\n"),  # the snapshot script changed
    ):
        runs_before = runs.read_text().count("run")
        change()
        assert make()[1] == runs_before + 1
    assert len(list((tmp_path / "cache" / "snapshots").iterdir())) == 1, "only the latest is kept"
