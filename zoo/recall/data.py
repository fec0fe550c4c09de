"""Multi-query associative recall (MQAR) batches, exactly as Zoology generates them, on any array module.

Zoology (Arora et al. 2023, zoology/data/multiquery_ar.py, ``multiquery_ar``) builds one example as

    inputs   k_1 v_1 k_2 v_2 ... k_n v_n | x x k_a x x x k_b x ...      (T tokens)
    labels   -   -   -   -   ... -   -   | - - v_a - - - v_b - ...      (loss and accuracy only where set)

Glossary (Zoology's names in brackets)
--------------------------------------
V        vocabulary size [vocab_size], 8192 in every paper figure
T        sequence length [input_seq_len], even
n        key-value pairs per example [num_kv_pairs]; needs 4 n <= T
keys     n distinct tokens from 1 .. V/2 - 1 (0 is never a key), drawn without replacement
values   n distinct tokens from V/2 .. V - 1, drawn without replacement
ctx      2 n, the length of the key-value prefix [context_size]
space    (T - ctx) / 2, the number of slots a query can take in the rest of the sequence
gap_i    the slot of the query for pair i: n distinct slots from 0 .. space - 1 drawn without replacement
         with p(g) proportional to a (g + 1)^(a - 1), a = 0.01 [power_a]; key i is asked at position
         ctx + 2 gap_i and the label there is v_i
filler   every other position holds a token drawn uniformly from 0 .. V - 1 [random_non_queries=True]
IGNORE   -100, the label of every position the loss and the accuracy skip

numpy draws gaps with ``np.random.choice(replace=False, p=p)``, which takes them one after another; the
i-th gap drawn goes to the i-th key. Perturbing log p with Gumbel noise and taking the top n in decreasing
order draws the same ordered sample (the Gumbel-top-k trick), and it is a few tensor ops, so the same
function runs in numpy here (the tests) and in torch on the GPU, where the training loop draws every batch
(drawing them on the CPU took 60% of the wall time in a probe). Keys and values are the first n of a random
permutation, which is what ``choice(replace=False)`` without p returns in distribution.

``xp`` is an :class:`Ops` holding the handful of array operations used, for numpy (:func:`numpy_ops`) or
torch (:func:`torch_ops`, built inside the worker).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

IGNORE = -100
VOCAB = 8192
POWER_A = 0.01


@dataclass(frozen=True)
class Ops:
    """The array operations the generator needs; each takes and returns the module's own arrays."""

    uniform: Any  # (shape) -> floats in (0, 1)
    randint: Any  # (low, high, shape) -> ints in [low, high)
    arange: Any  # (n) -> int64 0 .. n-1
    smallest_rows: Any  # (x, k) -> indices of each row's k smallest, smallest first
    topk_rows: Any  # (x, k) -> indices of each row's k largest, largest first
    log: Any
    full: Any  # (shape, value) -> int64 array
    scatter_rows: Any  # (dst, index, src) -> dst with dst[b, index[b, j]] = src[b, j]
    where: Any
    concat_rows: Any  # (a, b) -> a and b side by side along axis 1
    to_float: Any  # (x) -> float64 (numpy) / float32 (torch) copy


def numpy_ops(seed: int):
    import numpy as np

    rng = np.random.default_rng(seed)

    def scatter(dst, index, src):
        np.put_along_axis(dst, index, src, axis=1)
        return dst

    def smallest_rows(x, k):
        # what a stable argsort's first k columns hold, without sorting the whole row (rows of 4096 draws
        # of which a batch keeps n): the k smallest, then those ordered by value, ties by index
        part = np.argpartition(x, k - 1, axis=1)[:, :k]
        order = np.lexsort((part, np.take_along_axis(x, part, axis=1)), axis=1)
        return np.take_along_axis(part, order, axis=1)

    return Ops(
        uniform=lambda shape: rng.random(shape, dtype=np.float64).clip(1e-12, 1 - 1e-12),
        randint=lambda lo, hi, shape: rng.integers(lo, hi, size=shape, dtype=np.int64),
        arange=lambda n: np.arange(n, dtype=np.int64),
        smallest_rows=smallest_rows,
        topk_rows=lambda x, k: np.argsort(-x, axis=1, kind="stable")[:, :k],
        log=np.log,
        full=lambda shape, value: np.full(shape, value, dtype=np.int64),
        scatter_rows=scatter,
        where=np.where,
        concat_rows=lambda a, b: np.concatenate([a, b], axis=1),
        to_float=lambda x: x.astype(np.float64),
    )


def torch_ops(generator, device):
    """The same operations in torch; ``generator`` is a torch.Generator on ``device``."""
    import torch

    def uniform(shape):
        return torch.rand(shape, generator=generator, device=device).clamp_(1e-12, 1 - 1e-7)

    return Ops(
        uniform=uniform,
        randint=lambda lo, hi, shape: torch.randint(lo, hi, shape, generator=generator, device=device),
        arange=lambda n: torch.arange(n, device=device),
        smallest_rows=lambda x, k: torch.argsort(x, dim=1)[:, :k],
        topk_rows=lambda x, k: torch.topk(x, k, dim=1, sorted=True).indices,
        log=torch.log,
        full=lambda shape, value: torch.full(shape, value, dtype=torch.int64, device=device),
        scatter_rows=lambda dst, index, src: dst.scatter_(1, index, src),
        where=torch.where,
        concat_rows=lambda a, b: torch.cat([a, b], dim=1),
        to_float=lambda x: x.float(),
    )


def check_shape(T: int, n: int, V: int = VOCAB) -> None:
    """Zoology's own preconditions, as clear errors (it asserts them)."""
    if T % 2:
        raise ValueError(f"sequence length T={T} must be even")
    if V <= T:
        raise ValueError(f"vocabulary V={V} must exceed the sequence length T={T}")
    if n < 1 or 4 * n > T:
        raise ValueError(f"{n} key-value pairs do not fit T={T}: MQAR needs 1 <= 4 n <= T")


def gap_logits(xp: Ops, space: int, a: float = POWER_A):
    """log p(g) up to a constant, g = 0 .. space-1: p(g) proportional to a (g + 1)^(a - 1)."""
    g = xp.to_float(xp.arange(space) + 1)
    return (a - 1.0) * xp.log(g)


def mqar_batch(xp: Ops, batch: int, T: int, n: int, V: int = VOCAB, a: float = POWER_A):
    """One batch: (inputs, labels), int64 (batch, T); labels are IGNORE except at the n query positions."""
    check_shape(T, n, V)
    half = V // 2
    ctx = 2 * n
    space = (T - ctx) // 2
    # keys: the first n of a random permutation of 1 .. half-1; values likewise of half .. V-1
    keys = xp.smallest_rows(xp.uniform((batch, half - 1)), n) + 1
    values = xp.smallest_rows(xp.uniform((batch, V - half)), n) + half
    # gaps: an ordered weighted sample without replacement (Gumbel-top-k == numpy's sequential choice)
    gumbel = -xp.log(-xp.log(xp.uniform((batch, space))))
    gaps = xp.topk_rows(gap_logits(xp, space, a)[None, :] + gumbel, n)

    pos_kv = 2 * xp.arange(n)[None, :] + 0 * keys  # (batch, n): where key i is written
    prefix = xp.full((batch, ctx), 0)
    prefix = xp.scatter_rows(prefix, pos_kv, keys)
    prefix = xp.scatter_rows(prefix, pos_kv + 1, values)
    rest = xp.full((batch, T - ctx), 0)
    rest = xp.scatter_rows(rest, 2 * gaps, keys)
    inputs = xp.concat_rows(prefix, rest)
    # every position that is neither a pair nor a query holds a uniform random token (zero marks them:
    # keys start at 1 and values at V/2, so no written token is 0)
    inputs = xp.where(inputs == 0, xp.randint(0, V, (batch, T)), inputs)
    labels = xp.full((batch, T), IGNORE)
    labels = xp.scatter_rows(labels, ctx + 2 * gaps, values)
    return inputs, labels
