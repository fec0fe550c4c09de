"""The contributor path of CONTRIBUTING.md, end to end, in a copy of the repository:

`zoo new my-model` -> fill the block (and the kernel) as the guide says -> `zoo validate` passes -> the site
builds with the model's card, page and lineage node -> the registry-derived tests pass for it. The files the
contributor touched are exactly the ones the guide names: models.yaml and kernels_wasm/my_model.py, plus one
adapter class in its family's module under zoo/bench/adapters/ for a model that brings a GPU kernel (the
class carries the kernel's float64 reference mapping too).
"""

import hashlib
import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.builds_site
# A clone holds every tracked file of the repository (node_modules is linked: the build copies vendored
# assets from it). Listing git's files rather than folders keeps the copy whole when a folder is added.


def tracked_files() -> list[str]:
    out = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, text=True, check=True)
    return [name for name in out.stdout.split("\0") if name and (ROOT / name).is_file()]


MODEL = "my-model"
DESCRIPTION = (
    "My Model keeps the scalar-gated linear recurrence of linear attention and adds one input-dependent "
    "decay gate per step, so the memory forgets old associations at a rate the input chooses. Relative to "
    "its parent it changes one term: the transition multiplying the previous state is a learned scalar in "
    "(0, 1] instead of the identity. That buys recall on long inputs at no extra state, because stale keys "
    "fade instead of piling up, and it keeps the chunked training algorithm of its parent unchanged."
)


def snapshot(root: Path) -> dict[str, str]:
    out = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if path.is_file() and "__pycache__" not in rel and not rel.startswith(("site/", ".pytest_cache/")):
            out[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


def changed(before: dict, after: dict) -> set[str]:
    return {p for p in set(before) | set(after) if before.get(p) != after.get(p)}


@pytest.fixture(scope="module")
def clone(tmp_path_factory) -> Path:
    dst = tmp_path_factory.mktemp("clone")
    for name in tracked_files():
        (dst / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, dst / name)
    (dst / "node_modules").symlink_to((ROOT / "node_modules").resolve())
    return dst


@pytest.fixture(scope="module")
def pristine(clone) -> dict[str, str]:
    """The clone as checked out, before the contributor's first command."""
    return snapshot(clone)


def run(clone: Path, *args, env=None) -> subprocess.CompletedProcess:
    full_env = {**os.environ, "PYTHONPATH": str(clone), "OPENBLAS_NUM_THREADS": "1", **(env or {})}
    full_env.pop("ZOO_REGISTRY_ROOT", None)
    return subprocess.run(
        [sys.executable, *args], cwd=clone, env=full_env, capture_output=True, text=True, timeout=900
    )


def pytest_in(clone: Path, *args, env=None) -> subprocess.CompletedProcess:
    """The clone's own tests, without this session's options (workers, markers) or its cache."""
    return run(clone, "-m", "pytest", "-p", "no:cacheprovider", "-o", "addopts=", "-q", *args, env=env)


def fill_block(text: str) -> str:
    """Fill the scaffolded block as CONTRIBUTING.md says: paper facts, summary, description, conventions,
    lineage note, block differences, and publish it."""
    start = text.index(f"  - id: {MODEL}\n")
    ends = [text.find(marker, start + 1) for marker in ("\n  - id: ", "\nhybrids:")]
    end = min([e for e in ends if e != -1] or [len(text)])
    block = text[start:end]
    edits = [
        (r"status: draft", "status: published"),
        (r"title: 'Exact title as on arXiv'", "title: 'My Model: Forgetting on Purpose'"),
        (r"authors: \[First Author, Second Author\]", "authors: [Ada Example, Alan Sample]"),
        (r"arxiv: '2601.00001'", "arxiv: '2603.04567'"),
        (r"pages: \['the page you read[^\]]*\]", "pages: ['https://arxiv.org/abs/2603.04567']"),
        (r"first_version: '2026-01'", "first_version: '2026-03'"),
        (
            r"summary: '[^']*'",
            "summary: 'Linear attention with one input-dependent scalar forget gate per step.'",
        ),
        (r"note: 'what changed, in one line'", "note: 'adds an input-dependent scalar forget gate'"),
        (
            r"      text: 'Say which form[^\n]*",
            "      text: 'The equations are the form of the released code, with no scale or extra term.'",
        ),
        (
            r"\{repo: owner/name, path: path/to/the/file.py\}",
            "{repo: example/my-model, path: my_model/layer.py}",
        ),
        (
            r"differences: '[^']*'",
            "differences: 'The same block with a small gate projection for the decay.'",
        ),
    ]
    for pattern, new in edits:
        block, n = re.subn(pattern, new, block)
        assert n == 1, pattern
    block = re.sub(
        r"description: >-\n(      .*\n)+",
        f"description: >-\n{textwrap.indent(textwrap.fill(DESCRIPTION, 100), '      ')}\n",
        block,
    )
    return text[:start] + block + text[end:]


ADAPTER_CLASS = '''

class MyModelKernel(FlaGLA):
    """My Model: GLA's chunk kernel with one scalar gate per head, broadcast over the key channels."""

    name = "my_model_gla"

    def reference_args(self, x, b, h):
        args = super().reference_args(x, b, h)
        return {**args, "alpha": args["alpha"][:, 0]}  # the gate is the same on every key channel

    def make(self, B, T, H, D):
        x = super().make(B, T, H, D)
        x["g"] = x["g"][..., :1].expand(B, T, H, D).contiguous()
        return x
'''

# The new adapter's float64 reference on the CPU: with the gate equal on every key channel, My Model's
# kernels_wasm module and GLA's agree, each through its own adapter's mapping.
REFERENCE_CHECK = """
import sys
import numpy as np
sys.path.insert(0, "tests")
from bench_helpers import ref
rng = np.random.default_rng(0)
B, T, H, D = 2, 12, 2, 4
x = {n: rng.standard_normal((B, T, H, D)) for n in "qkv"}
x["g"] = np.repeat(-np.logaddexp(0, -rng.standard_normal((B, T, H, 1)) - 2), D, -1)
print(np.abs(ref("my-model", x, (B, T, H, D)) - ref("gla", x, (B, T, H, D))).max())
"""


def test_a_new_model_needs_its_block_and_its_kernel_only(clone, pristine):
    before = pristine

    new = run(clone, "-m", "zoo", "new", MODEL, "--readout", "linear", "--year", "2026")
    assert new.returncode == 0, new.stderr
    assert changed(before, snapshot(clone)) == {"models.yaml", "kernels_wasm/my_model.py"}

    # A fresh scaffold is a draft with prompts in it: validate says what is left, line by line.
    first = run(clone, "-m", "zoo", "validate")
    assert first.returncode == 1 and "Traceback" not in first.stderr
    assert re.search(rf"models\.yaml:\d+: model '{MODEL}': .+ placeholder .+; expected", first.stderr)

    registry_file = clone / "models.yaml"
    registry_file.write_text(fill_block(registry_file.read_text(encoding="utf-8")), encoding="utf-8")

    done = run(clone, "-m", "zoo", "validate")
    assert done.returncode == 0, done.stderr
    assert "all checks pass" in done.stdout

    # without the live start-up snapshot (12 s of CPU), which the session build carries and tests
    built = run(clone, "build.py", "--out", str(clone / "site"), env={"ZOO_LIVE_SNAPSHOT": "0"})
    assert built.returncode == 0, built.stderr
    site = clone / "site"
    page = (site / "models" / MODEL / "index.html").read_text(encoding="utf-8")
    assert "My Model" in page and "No GPU timing" in page
    home = (site / "index.html").read_text(encoding="utf-8")
    assert f'data-id="{MODEL}"' in home  # its card
    assert f'class="zoo-lineage__node" href="models/{MODEL}/"' in home  # its node in the lineage graph

    # The registry-derived tests pick the model up with no list edited (the data rules ran in validate).
    tests = pytest_in(
        clone,
        "-rA",
        "tests/kernels/test_every_kernel.py",
        "tests/test_diagrams.py",
        "tests/test_bench_page.py::test_every_model_page_gets_a_curve_or_a_reason",
        "tests/test_bench_results.py",
        "-k",
        "my_model or my-model or every_model_page or committed_results_cover",
        env={"ZOO_SITE": str(site)},
    )
    assert tests.returncode == 0, tests.stdout[-3000:]
    ran = re.findall(r"^PASSED (\S+)", tests.stdout, re.M)
    assert sum("my_model" in t for t in ran) >= 10 and any("my-model" in t for t in ran), ran

    assert changed(before, snapshot(clone)) == {"models.yaml", "kernels_wasm/my_model.py"}


def test_a_gpu_kernel_is_one_named_class_in_its_family_module(clone, pristine):
    text = (clone / "models.yaml").read_text(encoding="utf-8")
    if f"id: {MODEL}\n" not in text:
        pytest.skip("runs after the path above")
    before = snapshot(clone)
    old = re.search(r"gpu_kernel: \{adapter: null, [^}]*\}", text[text.index(f"id: {MODEL}\n") :]).group(0)
    new = "gpu_kernel: {adapter: my_model_gla, op: fla.ops.gla.chunk_gla, family: fla-linear}"
    (clone / "models.yaml").write_text(text.replace(old, new), encoding="utf-8")

    missing = run(clone, "-m", "zoo", "validate")
    assert missing.returncode == 1
    assert "GPU adapter 'my_model_gla' is not the name of any adapter class" in missing.stderr

    family = clone / "zoo" / "bench" / "adapters" / "linear.py"  # where FlaGLA lives
    family.write_text(family.read_text(encoding="utf-8") + ADAPTER_CLASS, encoding="utf-8")
    ok = run(clone, "-m", "zoo", "validate")
    assert ok.returncode == 0, ok.stderr
    families = run(clone, "-c", "from zoo.bench import catalog; print(catalog.families(['my-model']))")
    assert families.stdout.strip() == "{'fla-linear': ['my-model']}", families.stderr
    checked = run(clone, "-c", REFERENCE_CHECK)
    assert checked.returncode == 0 and float(checked.stdout) < 1e-12, checked.stderr
    tests = pytest_in(
        clone,
        "tests/test_bench_refs.py",
        "tests/test_bench_harness.py::test_adapters_are_the_named_classes_validate_reads",
    )
    assert tests.returncode == 0, tests.stdout[-3000:]
    assert changed(before, snapshot(clone)) == {"models.yaml", "zoo/bench/adapters/linear.py"}
    # the whole path with a GPU kernel: the block, the kernel and one adapter class
    assert changed(pristine, snapshot(clone)) == {
        "models.yaml",
        "kernels_wasm/my_model.py",
        "zoo/bench/adapters/linear.py",
    }
