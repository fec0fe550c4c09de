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
layernorm_minibatch() is that full inner model, as fla's chunk_ttt_linear (the GPU kernel) computes it.
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


def _layernorm(x, eps):
    """(x - mean) / std over the last axis, and the std (population variance, as the paper's LN)."""
    std = np.sqrt(x.var(-1, keepdims=True) + eps)
    return (x - x.mean(-1, keepdims=True)) / std, std


def layernorm_minibatch(q, k, v, eta, ln_w, ln_b, batch=16, eps=1e-6):
    """TTT-Linear with the paper's LayerNorm and residual, in mini-batches of b tokens, as fla's
    chunk_ttt_linear computes it. q, k, v (T, d); eta (T,); ln_w, ln_b (d,) the LayerNorm's scale and shift.

    The inner model is f(x) = x + LN(x W + c) (a bias c beside W); each token's self-supervised loss is
    l_s = 1/2 |f(k_s) - v_s|^2 = 1/2 |LN(k_s W + c) - (v_s - k_s)|^2. Per mini-batch, from its base (W, c):
        G_s = dl_s / d(k_s W + c)                          (back through the LayerNorm)
        Z   = Q W + c - diag(eta) [tril(Q K^T) + tril(1 1^T)] G   (row t reads with its own rate eta_t)
        o_t = Z_t + LN(Z_t)                                (the kernel's residual is on the inner output)
        W  <- W - eta_b K^T G,   c <- c - eta_b sum_s G_s  (eta_b: the mini-batch's last rate)
    Queries are scaled by d^-1/2; T must be a multiple of b."""
    q, k, v = qkv(q, k, v)
    T, d = q.shape
    eta = as_gate("eta", eta, T)
    ln_w, ln_b = (np.broadcast_to(np.asarray(p, dtype=np.float64), (d,)) for p in (ln_w, ln_b))
    if eta.ndim != 1 or T % batch:
        raise ValueError(f"need eta of shape ({T},) and T a multiple of the mini-batch {batch}")
    q = q * d**-0.5
    W, c = np.zeros((d, d)), np.zeros(d)  # x W + c: keys are rows, as in the kernel
    o = np.empty((T, d))
    for b0 in range(0, T, batch):
        s = slice(b0, b0 + batch)
        Q, K, V, e = q[s], k[s], v[s], eta[s, None]
        x_hat, std = _layernorm(K @ W + c, eps)
        g = (ln_w * x_hat + ln_b - (V - K)) * ln_w  # dl/dLN(.), through LN's scale
        G = (d * g - g.sum(-1, keepdims=True) - x_hat * (g * x_hat).sum(-1, keepdims=True)) / (std * d)
        Z = Q @ W + c - (e * np.tril(Q @ K.T)) @ G - np.tril(np.broadcast_to(e, (len(e), len(e)))) @ G
        W = W - (e[-1] * K).T @ G
        c = c - e[-1] * G.sum(0)
        o[s] = Z + _layernorm(Z, eps)[0] * ln_w + ln_b
    return o
