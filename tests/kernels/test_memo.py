"""_memo.last_call: a pass shared by mixing_matrix, values and states runs once per input, and never
answers for an input it was not run on (changed in place, reshaped, or a call that raised)."""

import numpy as np
import pytest

from kernels_wasm import api
from kernels_wasm._memo import last_call


def counted():
    calls = []

    @last_call
    def total(x, scale):
        calls.append(1)
        if scale < 0:
            raise ValueError("negative scale")
        return x.sum() * scale

    return total, calls


def test_the_same_arguments_run_once():
    total, calls = counted()
    x = np.arange(6.0)
    assert total(x, 2) == total(x.copy(), 2) == 30.0
    assert len(calls) == 1


def test_a_changed_input_runs_again():
    total, calls = counted()
    x = np.arange(6.0)
    total(x, 2)
    x[0] = 100.0  # in place: the same object, other bytes
    assert total(x, 2) == 230.0
    assert total(x.reshape(2, 3), 2) == 230.0 and len(calls) == 3  # same bytes, other shape
    assert total(x, 3) == 345.0 and len(calls) == 4  # other scalar


def test_a_call_that_raises_leaves_nothing_behind():
    total, calls = counted()
    x = np.ones(3)
    total(x, 1)
    with pytest.raises(ValueError):
        total(x, -1)
    assert total(x, 1) == 3.0 and len(calls) == 3


@pytest.mark.parametrize("module", ["slstm", "tpa", "mla", "preconditioned_deltanet"])
def test_remembering_kernels_follow_their_inputs(module):
    """A run on other inputs between two runs, or an input changed in place, gives that input's answer."""
    mod = api.load(module)
    x = mod.inputs(9, 4, np.random.default_rng(0))
    A = mod.mixing_matrix(**x)
    mod.mixing_matrix(**mod.inputs(9, 4, np.random.default_rng(1)))
    assert np.array_equal(mod.mixing_matrix(**x), A)
    key = next(k for k, v in x.items() if isinstance(v, np.ndarray) and v.dtype.kind == "f")
    x[key][0] += 0.5
    fresh = {k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in x.items()}
    assert np.array_equal(mod.mixing_matrix(**x), mod.mixing_matrix(**fresh))
    assert not np.array_equal(mod.mixing_matrix(**x), A)
