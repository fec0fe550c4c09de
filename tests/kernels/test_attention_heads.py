"""Attention variants whose point is the cache layout: several query heads reading fewer key-value heads.

Beyond the contract every kernel keeps (test_every_kernel.py): multi-query attention's heads share one
cache but each has its own softmax.
"""

import numpy as np
from kernel_helpers import draw, load


def test_mqa_heads_share_one_cache_but_not_one_softmax():
    x = draw("mqa", 10, 4, seed=3, heads=3)
    A = load("mqa").mixing_matrix(**x)
    assert A.shape == (3, 10, 10)
    assert np.max(np.abs(A[0] - A[1])) > 0.05  # each head has its own queries, so its own weights
