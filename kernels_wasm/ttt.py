"""TTT-Linear (Sun et al., 2024): the state is the weight of a linear model trained on the fly.

The hidden state W is a d_v x d_k linear model. Each token is a training example (k_t -> v_t); the model takes
gradient steps on l(W; t) = 1/2 |W k_t - v_t|^2 and the output is the trained model applied to the query.
Gradients are taken in mini-batches of b tokens: every token in a mini-batch uses the gradient at the weight
the mini-batch started from (W_{t'}), which makes the mini-batch parallel (the "dual form").
b = 1 is plain online gradient descent, which is the delta rule (DeltaNet with beta = eta); b >= T never
updates the base weight, which is linear attention with keys eta_t k_t.

Glossary (paper symbol -> code):
    theta_K x_t, theta_V x_t, theta_Q x_t    k, v, q: (T, d_k), (T, d_v), (T, d_k); k, q L2-normalised here
    eta                                      eta (T,)   step size per token; inputs(): 2 eta sigmoid(.) / b
    b                                        batch      mini-batch size
    W_t                                      S (d_v, d_k), the fast weight after token t
    t'                                       the last token of the previous mini-batch

Equations (as on the card):
    S_t = S_{t'} - sum_{s=t'+1}^{t} eta_s (S_{t'} k_s - v_s) k_s^T,   o_t = S_t q_t
Dual form of a mini-batch (the chunked form; the chunk is the mini-batch):
    O = Q S_{t'}^T - tril(Q K^T) diag(eta) (K S_{t'}^T - V)
The paper's f adds LayerNorm and a residual inside the inner model; without them o is linear in v, as here.
"""

import numpy as np

from ._check import as_gate, qkv
from ._linear import l2norm, sigmoid


def inputs(T: int, d: int, rng: np.random.Generator, eta: float = 0.5, batch: float = 4) -> dict:
    q = l2norm(rng.standard_normal((T, d)))
    k = l2norm(rng.standard_normal((T, d)))
    v = rng.standard_normal((T, d))
    z = rng.standard_normal(T)
    if eta < 0 or int(batch) < 1:
        raise ValueError(f"need eta >= 0 and batch >= 1, got eta={eta}, batch={batch}")
    # This step size is the site's choice, not the paper's (eta_base sigmoid(theta_lr x), which the official
    # code also divides by the head dimension). The b gradients of a mini-batch are summed: dividing the rate
    # by b keeps the summed step a contraction (sum_s eta_s <= 2 eta with unit keys). The official code
    # instead weights the partial sum at the i-th token of a mini-batch by 1/i (a running mean); the two agree
    # only at the last token of a mini-batch (i = b), so outputs inside a mini-batch differ.
    return {"q": q, "k": k, "v": v, "eta": eta * 2.0 * sigmoid(z) / int(batch), "batch": int(batch)}


def _validate(q, k, v, eta, batch):
    q, k, v = qkv(q, k, v)
    eta = as_gate("eta", eta, q.shape[0])
    if eta.ndim != 1:
        raise ValueError(f"eta: expected one learning rate per token, shape ({q.shape[0]},), got {eta.shape}")
    if isinstance(batch, bool) or not isinstance(batch, (int, np.integer)) or batch < 1:
        raise ValueError(f"batch: expected a positive integer mini-batch size, got {batch!r}")
    return q, k, v, eta, int(batch)


def _run(q, k, v, eta, batch):
    T, d_k = q.shape
    W_base = np.zeros((v.shape[1], d_k))  # S_{t'}: the weight the current mini-batch started from
    grad = np.zeros_like(W_base)
    o = np.empty((T, v.shape[1]))
    states = np.empty((T,) + W_base.shape)
    for t in range(T):
        grad += eta[t] * np.outer(W_base @ k[t] - v[t], k[t])  # gradient at the mini-batch's base weight
        S = W_base - grad
        o[t] = S @ q[t]
        states[t] = S
        if (t + 1) % batch == 0:  # end of the mini-batch: commit the step
            W_base, grad = S, np.zeros_like(W_base)
    return o, states


def recurrent(q, k, v, eta, batch):
    return _run(*_validate(q, k, v, eta, batch))[0]



def _dual(q, k, v, eta, batch):
    T, d_k = q.shape
    W = np.zeros((v.shape[1], d_k))
    o = np.empty((T, v.shape[1]))
    for b0 in range(0, T, batch):
        c = slice(b0, b0 + batch)
        Q, K, V, e = q[c], k[c], v[c], eta[c]
        R = e[:, None] * (K @ W.T - V)  # eta_s (W k_s - v_s), (b, d_v)
        o[c] = Q @ W.T - np.tril(Q @ K.T) @ R
        W = W - R.T @ K
    return o


def chunked(q, k, v, eta, batch, chunk_size=None):
    """TTT's dual form, one mini-batch per chunk. chunk_size, if given, must equal the mini-batch size."""
    q, k, v, eta, batch = _validate(q, k, v, eta, batch)
    if chunk_size is not None and chunk_size != batch:
        raise ValueError(f"TTT's chunk is its mini-batch: chunk_size must be {batch}, got {chunk_size}")
    return _dual(q, k, v, eta, batch)


def mixing_matrix(q, k, v, eta, batch):
    """o is linear in v: the dual form run on one-hot values (V = I) gives A, o = A v."""
    q, k, v, eta, batch = _validate(q, k, v, eta, batch)
    return _dual(q, k, np.eye(q.shape[0]), eta, batch)


def states(q, k, v, eta, batch):
    return _run(*_validate(q, k, v, eta, batch))[1]
