"""The contract every kernel of the registry keeps, parametrised over models.yaml (no hand-written list):
a new model's kernel is tested the moment its block names it.

Forms agree (recurrent, parallel, chunked at several chunk sizes, scans), the mixing matrix reproduces the
output and never reads the future, states line up with time, inputs are seeded, bad inputs are ValueErrors,
the live parameters declared in the registry run at their min, default and max, and ``api.simulate`` is
deterministic. Family files add what is specific to a model (strong-decay settings, lineage reductions).
"""

import inspect
import os
from pathlib import Path

import numpy as np
import pytest
from kernel_helpers import apply_mixing, close, values

from kernels_wasm import api
from zoo import registry

# The contributor-path test points this at a scaffolded copy of the repository.
ROOT = Path(os.environ.get("ZOO_REGISTRY_ROOT", Path(__file__).resolve().parents[2]))
REG = registry.load(ROOT / "models.yaml", include_drafts=True)
KERNELS = {m.kernel.module: m for m in REG.all_models}  # module -> the first model that binds it
SIZES = [(1, 1), (5, 2), (17, 3), (40, 8)]
CHUNKS = (1, 3, 16)
# The form names kernels_wasm/README.md documents; a module has recurrent and at least one other.
FORMS = ("recurrent", "parallel", "chunked", "scan", "recurrent_stable")


def forms(mod) -> dict:
    return {name: getattr(mod, name) for name in FORMS if hasattr(mod, name)}


def outputs(mod, x) -> dict:
    out = {}
    for name, fn in forms(mod).items():
        if "chunk_size" in inspect.signature(fn).parameters:
            for c in CHUNKS:
                try:
                    out[f"{name}[{c}]"] = fn(**x, chunk_size=c)
                except ValueError:  # a chunk size the algorithm does not allow (a power of two, a mini-batch)
                    continue
            out.setdefault(name, fn(**x))
        else:
            out[name] = fn(**x)
    return out



def draw(module, T, d, seed=0, **params):
    return api.load(module).inputs(T, d, np.random.default_rng(seed), **params)


@pytest.mark.parametrize("T,d", SIZES)
@pytest.mark.parametrize("module", KERNELS)
def test_forms_agree(module, T, d):
    mod, x = api.load(module), draw(module, T, d, seed=T + d)
    found = outputs(mod, x)
    assert len(found) >= 2, (
        "a kernel needs a second form (parallel or chunked) to check the recurrence against"
    )
    o = found.pop("recurrent")
    assert o.shape[0] == T and o.dtype == np.float64 and np.all(np.isfinite(o))
    for form, out in found.items():
        assert np.all(np.isfinite(out)), form
        close(out, o)


# 40 steps: longer than the chunks mixing matrices are built in (kernels_wasm/_linear.py, _MIXING_CHUNK).
@pytest.mark.parametrize("T", (9, 40))
@pytest.mark.parametrize("module", KERNELS)
def test_mixing_matrix_reproduces_the_output_and_is_causal(module, T):
    mod, x = api.load(module), draw(module, T, 3, seed=7)
    A = mod.mixing_matrix(**x)
    assert np.all(np.isfinite(A))
    close(apply_mixing(A, values(mod, x)), mod.recurrent(**x))
    if A.shape[-1] != A.shape[-2]:  # sub-step (or input-channel) columns: fold them onto their token
        A = np.abs(A).reshape(*A.shape[:-1], T, -1).sum(axis=-1)
    slices = A if A.ndim == 3 else A[None]
    if not getattr(mod, "CAUSAL", True):  # a kernel may declare itself non-causal only outside the skeleton
        assert KERNELS[module].outside_skeleton, "a non-causal kernel needs an outside_skeleton reason"
        return
    assert np.all(np.triu(np.abs(slices), 1) == 0), "a token must not read the future"


@pytest.mark.parametrize("module", KERNELS)
def test_states_follow_time(module):
    mod, x = api.load(module), draw(module, 11, 4, seed=1)
    if not hasattr(mod, "states"):
        return
    S = mod.states(**x)
    if S is not None:  # None: a growing cache, no fixed-size state
        S = np.asarray(S)
        assert S.shape[0] == 11 and np.all(np.isfinite(S))


@pytest.mark.parametrize("module", KERNELS)
def test_inputs_are_seeded(module):
    a, b, c = draw(module, 6, 4, seed=7), draw(module, 6, 4, seed=7), draw(module, 6, 4, seed=8)
    assert a.keys() == b.keys()
    assert all(np.array_equal(np.asarray(a[k]), np.asarray(b[k])) for k in a)
    assert any(not np.array_equal(a[k], c[k]) for k in a if isinstance(a[k], np.ndarray))


COMPACT = [m for m in KERNELS if hasattr(api.load(m), "mixing_compact")]


@pytest.mark.parametrize("module", COMPACT)
def test_a_compact_mixing_form_fixes_the_whole_matrix(module):
    """Kernels whose live runs build one channel of A from a compact form (api.simulate's ``channel``): every
    channel's slice is the whole A's, and the live run gives the build's output and checksum exactly."""
    mod, x = api.load(module), draw(module, 11, 3, seed=5)
    A, compact = mod.mixing_matrix(**x), mod.mixing_compact(**x)
    assert sum(a.size for a in api.compact_parts(compact)) < A.size
    for c in range(A.shape[0]):
        np.testing.assert_array_equal(mod.mixing_slice(compact, c), A[c])
    whole = api.simulate(module, T=11, d=3, seed=5)
    for c in (0, 2, 7):  # out of range clips to the last channel, as the live panel's slider does
        one = api.simulate(module, T=11, d=3, seed=5, channel=c)
        np.testing.assert_array_equal(one["A"], whole["A"][min(c, 2)])
        np.testing.assert_array_equal(one["o"], whole["o"])
        assert one["checksum"] == whole["checksum"] and one["channels"] == whole["channels"] == 3
    other = mod.mixing_compact(**draw(module, 11, 3, seed=6))
    assert api.compact_checksum(other) != api.compact_checksum(compact)  # the fingerprint tells runs apart


@pytest.mark.parametrize("module", KERNELS)
def test_bad_inputs_are_value_errors(module):
    mod, x = api.load(module), draw(module, 6, 4, seed=2)
    for key, val in x.items():
        if not isinstance(val, np.ndarray) or val.dtype.kind != "f":
            continue
        for bad in (val[None], val.astype(complex)):
            with pytest.raises(ValueError):
                mod.recurrent(**{**x, key: bad})


@pytest.mark.parametrize("module", KERNELS)
def test_declared_live_params_run_at_min_default_and_max(module):
    for p in KERNELS[module].kernel.params:
        for value in (p.min, p.default, p.max):
            r = api.simulate(module, T=16, d=4, seed=0, **{p.name: value})
            assert np.all(np.isfinite(r["o"])) and np.all(np.isfinite(r["A"])), (p.name, value)


@pytest.mark.parametrize("module", KERNELS)
def test_simulate_is_deterministic(module):
    r1 = api.simulate(module, T=12, d=6, seed=3)
    r2 = api.simulate(module, T=12, d=6, seed=3)
    assert r1["o"].shape[0] == 12
    assert r1["checksum"] == r2["checksum"] and np.isfinite(r1["checksum"])
    # simulate reads o off the mixing matrix (o = A v): it must be the literal recurrence's output.
    close(r1["o"], api.load(module).recurrent(**r1["inputs"]))
    if r1["state_norm"] is not None:
        assert r1["state_norm"].shape == (12,) and np.all(np.isfinite(r1["state_norm"]))
    assert api.simulate(module, T=12, d=6, seed=4)["checksum"] != r1["checksum"]
