"""The browser calculator's math (docs/assets/js/memory.js) gives the same bytes as zoo/memory.py:
both run on the same inputs (the build's calculator data) for every published stack, context and data type,
and the JavaScript unit tests (tests/js/) pass under node --test."""

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from zoo import registry as registry_mod
from zoo.diagrams import blocks_of
from zoo.memory import DTYPE_BYTES, all_attention_bytes, calculator_data, layer_elements, stack_bytes
from zoo.schema.blocks import MixerSizes, resolve_block

ROOT = Path(__file__).resolve().parents[1]
NODE = shutil.which("node")
CONTEXTS = [1, 1000, 4096, 131072, 1 << 20]

SCRIPT = """
import { readFileSync } from "node:fs";
import { allAttentionBytes, attentionSizes, stackBytes } from "%s";
const data = JSON.parse(readFileSync(process.argv[2], "utf8"));
const contexts = JSON.parse(process.argv[3]);
const out = {};
for (const h of data.hybrids) for (const dtype of Object.keys(data.dtypes)) for (const T of contexts) {
  const { kv, state, read } = stackBytes(data, h.layers, T, dtype);
  const attention = attentionSizes(data, h.layers);
  const baseline = attention && allAttentionBytes(data, h.depth, attention, T, dtype);
  out[`${h.id} ${dtype} ${T}`] = [kv, state, read, baseline];
}
console.log(JSON.stringify(out));
"""

# One layer of every model, so a block's own state formula (Mega's EMA beside its cache, Hyena's two long
# convolutions, LRU's modes) is compared even where no published stack uses the model.
LAYER_SCRIPT = """
import { readFileSync } from "node:fs";
import { layerElements } from "%s";
const data = JSON.parse(readFileSync(process.argv[2], "utf8"));
const [sizes, contexts] = JSON.parse(process.argv[3]);
const out = {};
for (const m of data.models) {
  for (const T of contexts) out[`${m.id} ${T}`] = layerElements(m.memory, sizes, T);
}
console.log(JSON.stringify(out));
"""
LAYER_SIZES = {"heads": 2, "head_dim": 8, "head_dim_v": 4, "d_inner": 16}

pytestmark = pytest.mark.skipif(NODE is None, reason="node is not installed")


@pytest.fixture(scope="module")
def python_side():
    reg = registry_mod.load()
    blocks = blocks_of(reg)
    memory = {mid: resolve_block(mid, blocks).memory for mid in blocks}
    memory = {mid: mem for mid, mem in memory.items() if mem}
    models = [(m.id, m.name, m.short_name, m.readout) for m in reg.models]
    return list(reg.hybrids), memory, calculator_data(reg.hybrids, memory, models)


def test_javascript_and_python_give_the_same_bytes(python_side, tmp_path):
    hybrids, memory, data = python_side
    if not hybrids:
        pytest.skip("the registry has no hybrids yet")
    (tmp_path / "data.json").write_text(json.dumps(data))
    script = tmp_path / "run.mjs"
    script.write_text(SCRIPT % (ROOT / "docs/assets/js/memory.js").as_uri())
    run = subprocess.run(
        [NODE, str(script), str(tmp_path / "data.json"), json.dumps(CONTEXTS)],
        capture_output=True,
        text=True,
        check=True,
    )
    got = json.loads(run.stdout)
    assert len(got) == len(hybrids) * len(DTYPE_BYTES) * len(CONTEXTS)
    for h in hybrids:
        for dtype in DTYPE_BYTES:
            for T in CONTEXTS:
                want = stack_bytes(h, memory, T, dtype)
                baseline = all_attention_bytes(h, memory, T, dtype)
                row = [want["kv"], want["state"], want["read"], baseline]
                assert got[f"{h.id} {dtype} {T}"] == row, (h.id, dtype, T)
                if T >= 4096:  # the saving the page shows: each published stack is below all-attention
                    assert want["kv"] + want["state"] < baseline, (h.id, T)


def test_javascript_and_python_count_every_model_alike(python_side, tmp_path):
    _, memory, data = python_side
    (tmp_path / "data.json").write_text(json.dumps(data))
    script = tmp_path / "layer.mjs"
    script.write_text(LAYER_SCRIPT % (ROOT / "docs/assets/js/memory.js").as_uri())
    args = json.dumps([LAYER_SIZES, CONTEXTS])
    run = subprocess.run(
        [NODE, str(script), str(tmp_path / "data.json"), args], capture_output=True, text=True, check=True
    )
    got = json.loads(run.stdout)
    assert len(got) == len(memory) * len(CONTEXTS)
    for mid, mem in memory.items():
        for T in CONTEXTS:
            want = layer_elements(mem, MixerSizes(**LAYER_SIZES), T)
            assert got[f"{mid} {T}"] == {"kv": want.kv, "state": want.state, "read": want.read}, (mid, T)


def test_javascript_unit_tests_pass():
    run = subprocess.run([NODE, "--test", "tests/js/"], cwd=ROOT, capture_output=True, text=True)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
