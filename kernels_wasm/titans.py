"""Titans' long-term memory, linear version (Behrouz, Zhong & Mirrokni, 2024): test-time gradient steps with
momentum ("surprise") and weight decay (forgetting).

The memory S is a linear map trained on the fly to send each key to its value, loss l = |S k_t - v_t|^2. The
gradient of that loss is the momentary surprise; the past surprise U carries it on with momentum eta_t, and
the weight decay alpha_t shrinks the memory before the step is applied:

    U_t = eta_t U_{t-1} - theta_t (S_{t'} k_t - v_t) k_t^T     (momentum: past + momentary surprise)
    S_t = (1 - alpha_t) S_{t-1} + U_t                           (forgetting, then the step)
    o_t = S_t q_t

Gradients are taken in mini-batches of b tokens, as the paper trains: every token of a mini-batch takes its
gradient at the memory S_{t'} the mini-batch started from (t' = the last token of the previous mini-batch).
b = 1 is the per-token rule (t' = t - 1). eta = 0 and alpha = 0 give TTT-Linear's mini-batch step.

Glossary (paper symbol -> code):
    q_t, k_t, v_t   q, k (T, d_k), L2-normalised here; v (T, d_v)
    M_t             S (d_v, d_k)   the memory (the zoo's state)
    S_t             U (d_v, d_k)   the surprise (momentum); renamed so that S stays the zoo's state
    theta_t         theta (T,)     learning rate of the momentary surprise (the paper's factor 2 folded in)
    eta_t           eta (T,)       surprise decay (momentum)
    alpha_t         alpha (T,)     forgetting gate (weight decay) in [0, 1]
    b               batch          mini-batch size

Forms
    recurrent   the update above, one token at a time
    chunked     the paper's tensorised mini-batch form: inside a mini-batch of C tokens, with
                A_ti = prod_{l=i+1}^t (1 - alpha_l), N_is = prod_{l=s+1}^i eta_l, beta_t = A_t0, m_i = N_i0,
                R = diag(theta) (K S0^T - V):
                O = diag(beta) Q S0^T + diag(A m) Q U0^T - ((A N) o Q K^T) R
"""

import numpy as np

from ._check import as_gate, qkv
from ._linear import gate_around, l2norm, log_gate


def inputs(
    T: int, d: int, rng: np.random.Generator,
    theta: float = 0.3, eta: float = 0.5, alpha: float = 0.05, batch: float = 1,
) -> dict:
    q = l2norm(rng.standard_normal((T, d)))
    k = l2norm(rng.standard_normal((T, d)))
    v = rng.standard_normal((T, d))
    z = rng.standard_normal((3, T))
    if int(batch) < 1:
        raise ValueError(f"batch: expected a mini-batch size >= 1, got {batch}")
    # In the paper all three are functions of x_t; here they scatter around the slider values.
    return {
        "q": q, "k": k, "v": v,
        "theta": gate_around(theta, z[0]), "eta": gate_around(eta, z[1]), "alpha": gate_around(alpha, z[2]),
        "batch": int(batch),
    }


def _validate(q, k, v, theta, eta, alpha, batch):
    q, k, v = qkv(q, k, v)
    T = q.shape[0]
    gates = [as_gate(name, g, T) for name, g in (("theta", theta), ("eta", eta), ("alpha", alpha))]
    if any(g.ndim != 1 for g in gates):
        raise ValueError(f"theta, eta, alpha: expected one value per token, shape ({T},)")
    if isinstance(batch, bool) or not isinstance(batch, (int, np.integer)) or batch < 1:
        raise ValueError(f"batch: expected a positive integer mini-batch size, got {batch!r}")
    return (q, k, v, *gates, int(batch))


def _run(q, k, v, theta, eta, alpha, batch):
    T, d_k = q.shape
    S = np.zeros((v.shape[1], d_k))
    U = np.zeros_like(S)
    S_base = S  # S_{t'}: the memory the current mini-batch takes its gradients at
    o = np.empty((T, v.shape[1]))
    states = np.empty((T,) + S.shape)
    for t in range(T):
        surprise = np.outer(S_base @ k[t] - v[t], k[t])  # gradient of |S k_t - v_t|^2 (factor 2 in theta)
        U = eta[t] * U - theta[t] * surprise
        S = (1.0 - alpha[t]) * S + U
        o[t] = S @ q[t]
        states[t] = S
        if (t + 1) % batch == 0:
            S_base = S
    return o, states


def recurrent(q, k, v, theta, eta, alpha, batch):
    return _run(*_validate(q, k, v, theta, eta, alpha, batch))[0]


def _products(log_g):
    """P[t, i] = prod_{l=i+1}^{t} g_l for i <= t (0 above the diagonal), rows and columns 0..C (0: before)."""
    L = np.concatenate([[0.0], np.cumsum(log_g)])
    diff = L[:, None] - L[None, :]
    return np.where(np.tril(np.ones_like(diff, dtype=bool)), np.exp(np.minimum(diff, 0.0)), 0.0)


def _minibatches(q, k, v, theta, eta, alpha, batch):
    T, d_k = q.shape
    S = np.zeros((v.shape[1], d_k))
    U = np.zeros_like(S)
    o = np.empty((T, v.shape[1]))
    for c0 in range(0, T, batch):
        c = slice(c0, c0 + batch)
        Q, K, V = q[c], k[c], v[c]
        A = _products(log_gate(1.0 - alpha[c]))  # (C+1, C+1): weight decay from step i to step t
        N = _products(log_gate(eta[c]))  # momentum decay from step s to step i
        beta, m = A[1:, 0], N[1:, 0]  # from the mini-batch's start
        A, N = A[1:, 1:], N[1:, 1:]
        G = A @ N  # G[t, s] = sum_{s <= i <= t} A[t, i] N[i, s]: how much of surprise s is in S_t
        f = A @ m  # how much of the carried momentum U0 is in S_t
        R = theta[c][:, None] * (K @ S.T - V)  # theta_s (S0 k_s - v_s), (C, d_v)
        o[c] = beta[:, None] * (Q @ S.T) + f[:, None] * (Q @ U.T) - (G * (Q @ K.T)) @ R
        S, U = (beta[-1] * S + f[-1] * U - R.T @ (G[-1][:, None] * K),
                m[-1] * U - R.T @ (N[-1][:, None] * K))
    return o


def chunked(q, k, v, theta, eta, alpha, batch, chunk_size=None):
    """The paper's mini-batch form, one mini-batch per chunk; chunk_size, if given, must be the mini-batch."""
    q, k, v, theta, eta, alpha, batch = _validate(q, k, v, theta, eta, alpha, batch)
    if chunk_size is not None and chunk_size != batch:
        raise ValueError(f"Titans' chunk is its mini-batch: chunk_size must be {batch}, got {chunk_size}")
    return _minibatches(q, k, v, theta, eta, alpha, batch)


def mixing_matrix(q, k, v, theta, eta, alpha, batch):
    """o is linear in v (the gradient is): the update run on one-hot values (v_t = e_t) gives A.

    Row s of the one-hot memory is what token s's value left in S (T x d_k instead of d_v x d_k); rows of
    later tokens are still zero, so step t touches rows 0..t only. Row t of A is S_t q_t."""
    q, k, v, theta, eta, alpha, batch = _validate(q, k, v, theta, eta, alpha, batch)
    T, d_k = q.shape
    S, U = np.zeros((T, d_k)), np.zeros((T, d_k))
    S_base = S.copy()
    A = np.zeros((T, T))
    for t in range(T):
        live = slice(0, t + 1)
        err = S_base[live] @ k[t]
        err[t] -= 1.0  # S_{t'} k_t - v_t, with v_t = e_t
        U[live] = eta[t] * U[live] - theta[t] * np.outer(err, k[t])
        S[live] = (1.0 - alpha[t]) * S[live] + U[live]
        A[t, live] = S[live] @ q[t]
        if (t + 1) % batch == 0:
            S_base = S.copy()
    return A


def states(q, k, v, theta, eta, alpha, batch):
    return _run(*_validate(q, k, v, theta, eta, alpha, batch))[1]
