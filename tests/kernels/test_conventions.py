"""The equations a model page displays, evaluated as written, and the released code's conventions.

Each model page shows a state update and readout (Equations) and says how the authors' released code differs
(Conventions). Here the displayed closed forms are computed literally, independently of the kernels, and held
to the kernels; where the released code is a reparametrisation of the page's form, its form is written out
(from the cited file) and shown to agree with the kernel after the mapping the Conventions section states.
"""

import numpy as np
import pytest
from kernel_helpers import close, draw, load


def softmax(x):
    e = np.exp(x - np.max(x))
    return e / e.sum()


# --- Sliding-window attention: the displayed ring-buffer readout --------------------------------------------


def swa_displayed(q, k, v, W, mask_empty=True):
    """S^k_t = (1 - e_t) o S^k_{t-1} + e_t k_t^T (same for S^v),
    o_t = (S^v_t)^T softmax(S^k_t q_t / sqrt(d) + m_t), m_t = 0 on filled slots, -inf on empty ones."""
    T, d = q.shape
    Sk, Sv = np.zeros((W, d)), np.zeros((W, v.shape[1]))
    filled = np.zeros(W, dtype=bool)
    out = np.empty((T, v.shape[1]))
    for t in range(T):
        e = np.zeros(W)
        e[t % W] = 1.0
        Sk = (1 - e)[:, None] * Sk + np.outer(e, k[t])
        Sv = (1 - e)[:, None] * Sv + np.outer(e, v[t])
        filled |= e.astype(bool)
        m = np.where(filled, 0.0, -np.inf) if mask_empty else np.zeros(W)
        out[t] = Sv.T @ softmax(Sk @ q[t] / np.sqrt(d) + m)
    return out


@pytest.mark.parametrize("W", [1, 3, 5, 16])
def test_swa_displayed_readout_over_filled_slots_is_the_kernel(W):
    x = draw("swa", 12, 4, window=W)
    close(swa_displayed(x["q"], x["k"], x["v"], W), load("swa").recurrent(**x))


def test_swa_readout_over_all_slots_would_be_wrong_while_the_buffer_fills():
    # The form the page showed before: empty slots (zero key, zero value) take weight e^0 while t < W.
    x = draw("swa", 12, 4, window=8)
    wrong = swa_displayed(x["q"], x["k"], x["v"], 8, mask_empty=False)
    right = load("swa").recurrent(**x)
    assert np.max(np.abs(wrong[:7] - right[:7])) > 0.05
    close(wrong[8:], right[8:])  # once every slot is filled the two agree


# --- RWKV-7: the paper's keys and the official numpy step ---------------------------------------------------


def test_rwkv7_inputs_build_the_paper_keys():
    # inputs() draws, in order: r, k, v, z_w, z_a, the xi jitter, alpha. Replaying the draws gives the paper's
    # removal key normalise(k o xi) and replacement key k o lerp(1, a, alpha), from the same unnormalised k.
    T, d = 9, 6
    x = draw("rwkv-7", T, d, seed=3)
    rng = np.random.default_rng(3)
    rng.standard_normal((T, d))
    k = rng.standard_normal((T, d)) / np.sqrt(d)
    for _ in range(3):
        rng.standard_normal((T, d))
    xi = 0.71 - 0.1 * np.linspace(0.0, 1.0, d) + 0.1 * rng.standard_normal(d)
    alpha = rng.uniform(0.5, 1.0, d)
    kappa = k * xi
    close(x["kappa"], kappa / np.linalg.norm(kappa, axis=1, keepdims=True))
    close(x["k"], k * (1.0 + (x["a"] - 1.0) * alpha))  # lerp(1, a, alpha) = 1 + (a - 1) alpha
    assert not np.allclose(x["k"], x["kappa"] * x["a"])  # the old simplification k~ = kappa^ o a


def test_rwkv7_state_line_is_the_official_numpy_step():
    # RWKV-v7/rwkv_v7_numpy.py: S = S * w^T - S @ kk * (kk * a)^T + v * k^T, y = S @ r (one head).
    x = draw("rwkv-7", 10, 5, seed=1)
    S = np.zeros((5, 5))
    out = []
    for t in range(10):
        kk, a = x["kappa"][t][:, None], x["a"][t][:, None]
        S = S * x["w"][t][None, :] - (S @ kk) * (kk * a).T + x["v"][t][:, None] * x["k"][t][None, :]
        out.append(S @ x["q"][t])
    close(np.array(out), load("rwkv-7").recurrent(**x))


# --- TTT: the official code's 1/i token weights -------------------------------------------------------------


def ttt_official(q, k, v, theta, b):
    """ttt-lm-pytorch: token i of a mini-batch (i = 1..b) reads W_0 - (1/i) sum_{s<=i} theta_s grad_s."""
    W = np.zeros((v.shape[1], k.shape[1]))
    out = np.empty((q.shape[0], v.shape[1]))
    for start in range(0, q.shape[0], b):
        grad_sum = np.zeros_like(W)
        for i, t in enumerate(range(start, min(start + b, q.shape[0])), start=1):
            grad_sum += theta[t] * np.outer(W @ k[t] - v[t], k[t])
            W_i = W - grad_sum / i
            out[t] = W_i @ q[t]
        W = W_i
    return out


def test_ttt_official_token_weights_agree_only_at_the_end_of_a_mini_batch():
    T, b = 12, 4
    x = draw("ttt", T, 4, seed=2, batch=b)
    theta = x["eta"] * b  # the page's eta_t = theta_t / b
    official = ttt_official(x["q"], x["k"], x["v"], theta, b)
    ours = load("ttt").recurrent(**x)
    ends = np.arange(b - 1, T, b)
    close(official[ends], ours[ends])
    inside = np.setdiff1d(np.arange(T), ends)
    assert np.max(np.abs(official[inside] - ours[inside])) > 1e-3


def test_ttt_displayed_mini_batch_step_and_dual_form_are_the_kernel():
    # State line: S_t = S_{t'} - sum_{s=t'+1}^{t} eta_s (S_{t'} k_s - v_s) k_s^T, o_t = S_t q_t (t' the last
    # token of the previous mini-batch);
    # dual form: O_b = Q_b S_{t'}^T - tril(Q_b K_b^T) diag(eta_b) (K_b S_{t'}^T - V_b).
    T, d, b = 11, 4, 3
    x = draw("ttt", T, d, seed=5, batch=b)
    q, k, v, eta = x["q"], x["k"], x["v"], x["eta"]
    line, dual = np.empty((T, d)), np.empty((T, d))
    base = np.zeros((d, d))
    for start in range(0, T, b):
        rows = slice(start, min(start + b, T))
        for t in range(rows.start, rows.stop):
            S_t = base - sum(eta[s] * np.outer(base @ k[s] - v[s], k[s]) for s in range(start, t + 1))
            line[t] = S_t @ q[t]
        Qb, Kb, Vb = q[rows], k[rows], v[rows]
        dual[rows] = Qb @ base.T - np.tril(Qb @ Kb.T) @ np.diag(eta[rows]) @ (Kb @ base.T - Vb)
        base = S_t  # the last token of this mini-batch starts the next one
    ours = load("ttt").recurrent(**x)
    close(line, ours)
    close(dual, ours)


# --- Hyena: the displayed order-2 mixing matrix -------------------------------------------------------------


def toeplitz(h):
    T = len(h)
    return np.array([[h[t - j] if j <= t else 0.0 for j in range(T)] for t in range(T)])


def test_hyena_displayed_mixing_matrix_has_two_long_convolutions():
    x = draw("hyena", 10, 3, seed=4)
    y = load("hyena").parallel(**x)
    for c in range(3):
        A = (
            np.diag(x["x2"][:, c])
            @ toeplitz(x["h2"][:, c])
            @ np.diag(x["x1"][:, c])
            @ toeplitz(x["h1"][:, c])
        )
        close(A @ x["v"][:, c], y[:, c])


# --- S4: the page is S4D-Lin, the authors' s4d.py -----------------------------------------------------------


def test_s4_kernel_is_the_released_s4d_lin_vandermonde_kernel():
    # state-spaces/s4 models/s4/s4d.py: A = -exp(log_A_real) + i A_imag with log_A_real = log 0.5 and
    # A_imag = pi n; K = 2 Re(sum_n C_n (exp(dt A_n) - 1) / A_n exp(l dt A_n)); y = K * u + D u.
    T, d, n = 12, 3, 5
    x = draw("s4", T, d, seed=6, n=n)
    A = x["A_re"] + 1j * x["A_im"]
    close(A, np.tile(-0.5 + 1j * np.pi * np.arange(n), (d, 1)))
    C = (x["C_re"] + 1j * x["C_im"]) * (np.exp(x["dt"][:, None] * A) - 1.0) / A
    K = 2 * np.real(np.einsum("hn,hnl->lh", C, np.exp(x["dt"][:, None, None] * A[:, :, None] * np.arange(T))))
    conv = np.array([[K[: t + 1, h][::-1] @ x["v"][: t + 1, h] for h in range(d)] for t in range(T)])
    y = conv + x["D"] * x["v"]
    close(y, load("s4").parallel(**x))
    close(y, load("s4").recurrent(**x))


# --- Log-linear attention: the released WEAK level rule -----------------------------------------------------


def weak_level(t, s):
    """hattention/base.py get_level_index_weak (base 2), for s < t: strip the leading power of two the pair
    shares; the level is one more than the exponent of the first power of two that separates them."""
    while True:
        top = 1 << (t.bit_length() - 1)
        if s < top:
            return t.bit_length()
        t, s = t - top, s - top


def test_log_linear_levels_are_the_released_weak_rule():
    T = 40
    lev = load("log-linear-attention").level_matrix(T)
    released = np.array([[weak_level(t, s) if s < t else 0 for s in range(T)] for t in range(T)])
    assert np.array_equal(np.tril(lev), released)


# --- Reparametrisations stated in the Conventions sections --------------------------------------------------


def householder_logits(q, k, w, beta):
    """k_j^T H_{j+1} ... H_i q_i for j <= i, by explicit products (no UT transform)."""
    T, d = q.shape
    L = np.full((T, T), -np.inf)
    for i in range(T):
        P = np.eye(d)
        for j in range(i, -1, -1):
            L[i, j] = k[j] @ P @ q[i]
            P = (np.eye(d) - beta[j] * np.outer(w[j], w[j])) @ P  # H_j joins for the next (earlier) key
    return L


def test_path_fox_released_gate_is_f_to_the_one_over_sqrt_d():
    # fla/ops/path_attn/naive.py: softmax(scale * (A + g_cumsum[i] - g_cumsum[j])), gate sum inside the scale.
    T, d = 9, 4
    x = draw("path-fox", T, d, seed=5)
    c = np.cumsum(np.log(x["f"]))
    logits = (householder_logits(x["q"], x["k"], x["w"], x["beta"]) + c[:, None] - c[None, :]) / np.sqrt(d)
    released = np.array([softmax(row) for row in logits]) @ x["v"]
    mapped = dict(x, f=x["f"] ** (1 / np.sqrt(d)))
    close(released, load("path-fox").parallel(**mapped))
    close(released, load("path-fox").recurrent(**mapped))
    assert np.max(np.abs(released - load("path-fox").parallel(**x))) > 1e-3  # the mapping matters


def slot_memory_readout(q, k, v, keep, write, scale):
    """fla's GSA / Raven recurrence: S^k = diag(keep) S^k + write k^T (same for S^v), softmax(scale S^k q)."""
    m = keep.shape[1]
    Sk, Sv = np.zeros((m, k.shape[1])), np.zeros((m, v.shape[1]))
    out = np.empty((q.shape[0], v.shape[1]))
    for t in range(q.shape[0]):
        Sk = keep[t][:, None] * Sk + np.outer(write[t], k[t])
        Sv = keep[t][:, None] * Sv + np.outer(write[t], v[t])
        out[t] = Sv.T @ softmax(scale * (Sk @ q[t]))
    return out


def test_gsa_and_raven_released_scale_one_is_a_temperature():
    # fla/layers/gsa.py and raven/layers/raven.py call the kernels with scale=1: no 1/sqrt(d_k) on the slot
    # softmax, the page's model with q multiplied by sqrt(d_k).
    d = 4
    x = draw("gsa", 10, d, seed=6)
    released = slot_memory_readout(x["q"], x["k"], x["v"], x["alpha"], 1 - x["alpha"], scale=1.0)
    close(released, load("gsa").recurrent(**dict(x, q=x["q"] * np.sqrt(d))))
    y = draw("raven", 10, d, seed=6)
    gamma = np.exp(y["a"][:, None] * y["r"])
    released = slot_memory_readout(y["q"], y["k"], y["v"], gamma, 1 - gamma, scale=1.0)
    close(released, load("raven").recurrent(**dict(y, q=y["q"] * np.sqrt(d))))


@pytest.mark.parametrize("name", ["deltanet", "gated-deltanet", "gla", "rwkv-6", "kda", "gdn-2"])
def test_released_query_scale_is_a_fixed_factor_on_the_output(name):
    # fla (and the official delta-rule, GLA and RWKV-6 kernels) read S (q / sqrt(d_k)); the page reads S q.
    d = 5
    x = draw(name, 11, d, seed=7)
    mod = load(name)
    close(mod.recurrent(**dict(x, q=x["q"] / np.sqrt(d))), mod.recurrent(**x) / np.sqrt(d))


def test_alibi_released_bias_m_j_is_the_same_softmax():
    # fairseq/models/transformer.py adds slope * j to every row (a row constant away from -m (i - j)).
    T, d, m = 9, 4, 0.7
    x = draw("alibi", T, d, seed=8, m=m)
    j = np.arange(T)
    rows = [softmax(x["k"][: i + 1] @ x["q"][i] / np.sqrt(d) + m * j[: i + 1]) for i in range(T)]
    out = np.array([row @ x["v"][: len(row)] for row in rows])
    close(out, load("alibi").recurrent(**x))


def mlstm_official(q, k, v, i_pre, f_pre, eps):
    """xlstm backends.recurrent_step_stabilized_simple from cell.step's initial state (zeros, m_0 = 0)."""
    d = k.shape[1]
    C, n, m = np.zeros((v.shape[1], d)), np.zeros(d), 0.0
    out = np.empty((q.shape[0], v.shape[1]))
    for t in range(q.shape[0]):
        log_f = -np.logaddexp(0.0, -f_pre[t])
        m_new = max(log_f + m, i_pre[t])
        f_act, i_act = np.exp(log_f + m - m_new), np.exp(i_pre[t] - m_new)
        ks = k[t] / np.sqrt(d)
        C = f_act * C + i_act * np.outer(v[t], ks)
        n = f_act * n + i_act * ks
        out[t] = C @ q[t] / (max(abs(n @ q[t]), np.exp(-m_new)) + eps)
        m = m_new
    return out


def test_mlstm_official_step_starting_at_zero_differs_only_by_its_epsilon():
    x = draw("mlstm", 10, 4, seed=9)
    close(mlstm_official(**x, eps=0.0), load("mlstm").recurrent(**x))
    assert np.max(np.abs(mlstm_official(**x, eps=1e-6) - load("mlstm").recurrent(**x))) > 0


def test_griffin_released_first_write_and_decay_parametrisation():
    # recurrentgemma/torch/layers.py: log a_t = -8 r_t softplus(Lambda); the first write is not scaled.
    x = draw("griffin", 10, 3, seed=10)
    lam = -np.log(x["a"])  # softplus(Lambda) with a = sigmoid(-Lambda)
    log_at = -8.0 * x["r"] * lam
    at = np.exp(log_at)
    mult = np.sqrt(1 - at**2)
    mult[0] = 1.0
    h, out = np.zeros(3), np.empty((10, 3))
    for t in range(10):
        h = at[t] * h + mult[t] * x["i"][t] * x["v"][t]
        out[t] = h
    v0 = x["v"].copy()
    v0[0] = v0[0] / np.sqrt(1 - at[0] ** 2)
    close(out, load("griffin").recurrent(**dict(x, v=v0)))


def test_nope_released_t5_scores_have_no_scale():
    # src/models/custom_t5_decoder_only.py scores with q . k (T5 style): the page's model with q * sqrt(d_k).
    T, d = 9, 4
    x = draw("nope", T, d, seed=11)
    out = np.array([softmax(x["k"][: i + 1] @ x["q"][i]) @ x["v"][: i + 1] for i in range(T)])
    close(out, load("nope").recurrent(**dict(x, q=x["q"] * np.sqrt(d))))


# --- Sparse selection: the released selection rules, written out -------------------------------------------


def moba_official_blocks(q, k, B, top_k):
    """moba/moba_naive.py: gate = q . mean(k over block) (no 1/sqrt(d)), -inf for blocks that have not ended
    before the query's block, +inf for the query's own block, topk over the blocks (own block included)."""
    T = len(q)
    n = -(-T // B)
    gate = q @ np.array([k[i * B : (i + 1) * B].mean(axis=0) for i in range(n)]).T  # (T, n)
    for i in range(n):
        gate[: (i + 1) * B, i] = -np.inf
        gate[i * B : (i + 1) * B, i] = np.inf
    chosen = np.zeros((T, T), dtype=bool)
    for t in range(T):
        for i in np.argsort(-gate[t], kind="stable")[: min(top_k, n)]:
            chosen[t, i * B : (i + 1) * B] = True  # future blocks may be picked when too few are left...
    return chosen & np.tri(T, dtype=bool)  # ...and the causal mask removes them


@pytest.mark.parametrize("B, top_k", [(1, 3), (3, 2), (4, 4), (5, 1)])
def test_moba_official_unscaled_gate_selects_the_kernel_blocks(B, top_k):
    x = draw("moba", 23, 4, seed=B + top_k, block=B, top_k=top_k)
    kernel = load("moba").selection(x["q"], x["k"], B, top_k)
    assert np.array_equal(moba_official_blocks(x["q"], x["k"], B, top_k), kernel)


def test_dsa_released_weight_scales_do_not_change_the_selection():
    # inference/model.py: weights = weights_proj(x) * n_heads^-1/2 * softmax_scale * q_scale. q_scale undoes
    # the FP8 quantisation of q^I; the rest is one positive factor, and a positive factor per query token
    # leaves the ranking of its index scores, hence the selection and the output, unchanged.
    mod = load("dsa")
    x = draw("dsa", 21, 4, seed=3, top_k=5, heads=4)
    H, d_i = x["w"].shape[1], x["ki"].shape[1]
    scaled = x["w"] * H**-0.5 * d_i**-0.5 * np.exp(np.random.default_rng(0).standard_normal((21, 1)))
    base = mod.selection(**x)
    assert np.array_equal(mod.selection(**dict(x, w=scaled)), base)
    close(mod.recurrent(**dict(x, w=scaled)), mod.recurrent(**x))


# --- Compressed memories: the released code compresses inputs, the page compresses keys and values ---------


def test_compressive_mean_pooling_commutes_with_the_key_and_value_maps():
    # The paper stores layer inputs h and computes k = h W_k when reading; mean pooling (the page's f_c) is
    # linear along the sequence and acts on each channel alike, so f_c(h) W_k = f_c(h W_k).
    from kernels_wasm._sparse import block_means

    rng = np.random.default_rng(4)
    h, W = rng.standard_normal((12, 5)), rng.standard_normal((5, 4))
    for c in (1, 2, 3, 4):
        close(block_means(h, c) @ W, block_means(h @ W, c))


def test_linformer_released_order_projects_inputs_first():
    # multihead_linear_attention.py: k = k_proj(compress_k(x)); the page: K~ = E (x W_k). Equal without the
    # bias; with it they differ by (E 1) b^T.
    rng = np.random.default_rng(5)
    E, x = rng.standard_normal((3, 8)), rng.standard_normal((8, 5))
    W, b = rng.standard_normal((5, 4)), rng.standard_normal(4)
    close((E @ x) @ W, E @ (x @ W))
    close(((E @ x) @ W + b) - E @ (x @ W + b), np.outer(1 - E.sum(axis=1), b))


# --- MesaNet: the displayed regression, and conjugate gradient as the released kernels run it ------------


def test_mesanet_output_is_the_displayed_regression_minimiser_applied_to_the_query():
    # argmin_S 1/2 sum_s zeta_ts beta_s |v_s - S k_s|^2 + 1/2 Tr(S Lambda S^T), solved as a stacked
    # least-squares problem (weighted rows, plus sqrt(Lambda) rows with target 0), without the kernel's G, H.
    x = draw("mesanet", 14, 4, seed=5, lam=0.3, gamma=0.8)
    q, k, v, gamma, beta, lam = (x[n] for n in ("q", "k", "v", "gamma", "beta", "lam"))
    out = np.empty_like(v)
    for t in range(len(q)):
        w = np.array([np.prod(gamma[s + 1 : t + 1]) * beta[s] for s in range(t + 1)])
        rows = np.vstack([np.sqrt(w)[:, None] * k[: t + 1], np.diag(np.sqrt(lam))])
        targets = np.vstack([np.sqrt(w)[:, None] * v[: t + 1], np.zeros((len(lam), v.shape[1]))])
        S_T = np.linalg.lstsq(rows, targets, rcond=None)[0]  # (d_k, d_v): S^T
        out[t] = S_T.T @ q[t]
    close(out, load("mesanet").recurrent(**x))


def conjugate_gradient(A, b, steps, eps=1e-5):
    """The released decoding step's solver: Jacobi start, `steps` CG iterations, eps in both denominators."""
    x = b / (np.diag(A))
    r = b - A @ x
    p, delta = r.copy(), r @ r
    for _ in range(steps):
        Ap = A @ p
        alpha = delta / (p @ Ap + eps)
        x, r = x + alpha * p, r - alpha * Ap
        delta, delta_old = r @ r, delta
        p = r + delta / (delta_old + eps) * p
    return x


def test_mesanet_conjugate_gradient_with_enough_steps_is_the_exact_solve():
    x = draw("mesanet", 24, 16, seed=2)
    q, k, v, gamma, beta, lam = (x[n] for n in ("q", "k", "v", "gamma", "beta", "lam"))
    G, H = np.zeros((16, 16)), np.zeros((16, 16))
    err = {}
    for t in range(24):
        G = gamma[t] * G + beta[t] * np.outer(v[t], k[t])
        H = gamma[t] * H + beta[t] * np.outer(k[t], k[t])
        exact = G @ np.linalg.solve(H + np.diag(lam), q[t])
        for steps, eps in ((1, 1e-5), (30, 1e-5), (30, 0.0)):
            approx = G @ conjugate_gradient(H + np.diag(lam), q[t], steps, eps)
            err[steps, eps] = max(err.get((steps, eps), 0.0), float(np.max(np.abs(approx - exact))))
    close(load("mesanet").recurrent(**x)[-1], exact)
    # one step is far off; 30 steps agree to about 1e-4 (the eps terms bias them), and to 1e-8 without eps
    assert err[1, 1e-5] > 1e-2 and err[30, 1e-5] < 1e-3 and err[30, 0.0] < 1e-8, err


# --- Comba: the displayed parallel form -----------------------------------------------------------------


@pytest.mark.parametrize("fb", [1.0, 0.6])
def test_comba_displayed_parallel_form_is_the_kernel(fb):
    # O = ((Q - dK) K^T o Gamma)(I + tril(diag(beta~)(K K^T o Gamma^-), -1))^{-1} diag(beta) V
    x = draw("comba", 15, 4, seed=3, a=0.5, corr=0.7, fb=fb)
    q, k, v, alpha, beta, d = (x[n] for n in ("q", "k", "v", "alpha", "beta", "d"))
    T = len(q)
    gamma = np.array([[np.prod(alpha[s + 1 : t + 1]) if s <= t else 0.0 for s in range(T)] for t in range(T)])
    gamma_prev = np.array([[np.prod(alpha[s + 1 : t]) if s < t else 0.0 for s in range(T)] for t in range(T)])
    inner = np.eye(T) + np.tril(np.diag(x["beta_tilde"]) @ ((k @ k.T) * gamma_prev), -1)
    O = (((q - d * k) @ k.T) * gamma) @ np.linalg.solve(inner, np.diag(beta) @ v)
    close(O, load("comba").recurrent(**x))


def test_comba_paper_state_line_and_the_authors_first_release():
    # The paper's Eq. 5, S_t = S_{t-1} (alpha_t I - beta~_t k_t k_t^T) + beta_t v_t k_t^T and
    # o_t = S_t (q_t - d k_t), is the step of the authors' first kernel (AwesomeSeq/Comba-triton,
    # comba_dplr/fused_recurrent.py, scale 1, given the corrected query q - d k): v -= S p (S before this
    # step's decay); S *= exp(g); S += k (beta v)^T; o = S q. Its feedback key p_t = sigmoid(c) k_t is left
    # unnormalised while k_t is normalised, so beta~_t = sigmoid(c) |k_t| beta_t.
    T, d = 10, 4
    x = draw("comba", T, d, seed=8, a=0.4, corr=0.3)
    raw = 1.7 * x["k"] * np.linspace(0.5, 1.5, T)[:, None]  # the key before normalisation, norms 0.85 to 2.55
    fb = 1.0 / (1.0 + np.exp(-1.0))  # sigmoid(c) at the released initialisation c = 1
    S, out = np.zeros((d, d)), np.empty((T, d))
    for t in range(T):
        p = fb * raw[t]
        u = x["v"][t] - S @ p
        S = x["alpha"][t] * S + x["beta"][t] * np.outer(u, x["k"][t])
        out[t] = S @ (x["q"][t] - x["d"] * x["k"][t])
    tilde = fb * np.linalg.norm(raw, axis=1) * x["beta"]
    close(out, load("comba").recurrent(**dict(x, beta_tilde=tilde)))
    # fla's normalised p (beta~ = beta) gives other outputs
    assert np.max(np.abs(out - load("comba").recurrent(**x))) > 1e-3


# --- Preconditioned DeltaNet: the released recurrence, step for step ---------------------------------------


def test_preconditioned_deltanet_is_the_released_step_order():
    # fla/ops/precond_gated_delta_rule/naive.py, one head, scale 1: A = A e^{g_atk} + beta_atk k^2;
    # r = log(A + eps) - centre; M = exp(-log(x) r / (1 + |r|));
    # S = S e^g; v' = beta (v - S k); S += v' (M k)^T.
    x = draw("preconditioned-deltanet", 12, 5, seed=4, x=1.8, c=-1.0)
    q, k, v = x["q"], x["k"], x["v"]
    S, A = np.zeros((5, 5)), np.zeros(5)
    out = []
    for t in range(12):
        A = A * x["gamma"][t] + x["eta"][t] * k[t] ** 2
        r = np.log(A + 1e-6) - x["c"]
        M = np.exp(-np.log(x["x"]) * r / (1.0 + np.abs(r)))
        S = S * x["alpha"][t]
        u = x["beta"][t] * (v[t] - S @ k[t])
        S = S + np.outer(u, M * k[t])
        out.append(S @ q[t])
    close(np.array(out), load("preconditioned-deltanet").recurrent(**x))


# --- sLSTM: why it sits outside the skeleton ----------------------------------------------------------------


def test_slstm_weights_depend_on_the_values_only_through_memory_mixing():
    # Without memory mixing (R = 0) the gates see only the input, so the weights A do not change when the cell
    # inputs do; with R != 0 the previous output steers the gates and A changes with the values themselves.
    mod = load("slstm")
    for mixing, changes in ((0.0, False), (1.0, True)):
        x = draw("slstm", 10, 3, seed=6, mixing=mixing)
        other = {**x, "xz": x["xz"] + 1.0}
        moved = np.max(np.abs(mod.mixing_matrix(**other) - mod.mixing_matrix(**x)))
        assert (moved > 1e-3) == changes, (mixing, moved)
        close(np.einsum("cts,sc->tc", mod.mixing_matrix(**other), mod.values(**other)),
              mod.recurrent(**other))


def test_hippo_released_legs_matrix_is_minus_the_page_matrix_and_the_same_bilinear_step():
    # hippo-code model/op.py transition("legs"): A = T M T^-1, M = -(tril(2q + 1) - diag(q)),
    # T = diag(sqrt(2q + 1)); model/memory.py LSICell: A_t = solve(I - A/2t, I + A/2t),
    # B_t = solve(I - A/2t, B/t) for steps t >= 1.
    hippo = load("hippo")
    n = 6
    q = np.arange(n, dtype=np.float64)
    M = -(np.where(q[:, None] >= q[None, :], 2 * q[None, :] + 1, 0.0) - np.diag(q))  # r indexed by column
    Tm = np.diag(np.sqrt(2 * q + 1))
    A_code, B_code = Tm @ M @ np.linalg.inv(Tm), np.sqrt(2 * q + 1)
    A_page, B_page = hippo.legs(n)
    close(A_code, -A_page)
    close(B_code, B_page)
    x = draw("hippo", 9, 2, seed=12, n=n, theta=0.3)
    c, out = np.zeros((2, n)), np.empty((9, 2))
    for k in range(9):
        if k == 0:
            c = np.outer(x["v"][0], np.eye(n)[0])  # init_t = 0: the first value as a constant
        else:
            left = np.eye(n) - A_code / (2 * k)
            Ak = np.linalg.solve(left, np.eye(n) + A_code / (2 * k))
            Bk = np.linalg.solve(left, B_code / k)
            c = c @ Ak.T + np.outer(x["v"][k], Bk)
        out[k] = c @ hippo.legendre_weights(n, 0.3)
    close(out, hippo.recurrent(**x))


def test_hgrn_released_log_space_bound_and_tied_input_are_the_page_gates():
    # fla/layers/hgrn.py: g = logaddexp(log lb, log1p(-lb) + logsigmoid(f)), x = swiglu(i, 1 - exp(g)),
    # h_t = exp(g_t) h_{t-1} + x_t (fla/ops/hgrn): lambda_t = exp(g_t), c_t = silu(i_t).
    x = draw("hgrn", 10, 3, seed=13, gamma=0.7)
    logsig = np.log(x["mu"])  # mu = sigmoid(f)
    g = np.logaddexp(np.log(x["gamma"]), np.log1p(-x["gamma"]) + logsig)
    h, out = np.zeros(3), np.empty((10, 3))
    for t in range(10):
        h = np.exp(g[t]) * h + x["v"][t] * (1 - np.exp(g[t]))
        out[t] = h
    close(out, load("hgrn").recurrent(**x))


def test_lightning_released_block_algorithm_is_the_kernel():
    # transformers models/minimax MiniMaxLightningAttention.forward, per block: intra (Q K^T * diag. decay) V,
    # inter (Q * query_decay) KV, then KV <- KV * block_decay + (K * key_decay)^T V, with KV = K^T V.
    x = draw("lightning-attention", 11, 3, seed=14, slope=0.3)
    q, k, v, s, B = x["q"], x["k"], x["v"], x["slope"], 4
    r = np.arange(B) + 1.0
    query_decay, key_decay = np.exp(-s * r)[:, None], np.exp(-s * (B - r))[:, None]
    lag = r[:, None] - r[None, :]
    diagonal_decay = np.where(lag >= 0, np.exp(-s * np.maximum(lag, 0)), 0.0)
    KV, out = np.zeros((3, 3)), []
    for i in range(0, 11, B):
        qb, kb, vb = q[i : i + B], k[i : i + B], v[i : i + B]
        n = len(qb)
        intra = ((qb @ kb.T) * diagonal_decay[:n, :n]) @ vb
        inter = (qb * query_decay[:n]) @ KV
        out.append(intra + inter)
        KV = KV * np.exp(-s * n) + (kb * key_decay[-n:]).T @ vb
    close(np.concatenate(out), load("lightning-attention").recurrent(**x))


# --- Multi-query attention: Mesh TensorFlow scores without 1/sqrt(d_k) --------------------------------------


def test_mqa_mesh_tensorflow_unscaled_logits_are_the_page_form_with_q_rescaled():
    # mesh_tensorflow/transformer/attention.py: logits = einsum(q, k) over key_dim, softmax over
    # memory_length, with one key-value head (num_memory_heads=1) read by every query head.
    x = draw("mqa", 11, 5, seed=2, heads=3)
    q, k, v = x["q"], x["k"][:, 0], x["v"][:, 0]
    T = len(q)
    mesh = np.stack(
        [np.stack([softmax(k[: t + 1] @ q[t, h]) @ v[: t + 1] for h in range(3)]) for t in range(T)]
    ).reshape(T, -1)
    close(mesh, load("mqa").recurrent(**dict(x, q=x["q"] * np.sqrt(5))))


# --- gpt-oss: the released sdpa appends the sinks as a last column -----------------------------------------


@pytest.mark.parametrize("window", [0, 4])
def test_sink_logit_is_the_released_sdpa_with_a_sink_column(window):
    # gpt_oss/torch/model.py sdpa(): QK *= sm_scale; QK += mask (triu -inf above the diagonal, and tril -inf
    # at diagonal -sliding_window when banded); QK = cat([QK, S]); W = softmax(QK)[..., :-1]; attn = W V.
    x = draw("sink-logit", 13, 4, seed=8, sink=0.7, window=window)
    T = 13
    mask = np.triu(np.full((T, T), -np.inf), 1)
    if window:
        mask += np.tril(np.full((T, T), -np.inf), -window)
    scores = x["q"] @ x["k"].T / np.sqrt(4) + mask
    weights = np.stack([softmax(row) for row in np.concatenate([scores, np.full((T, 1), 0.7)], axis=1)])
    close(weights[:, :-1] @ x["v"], load("sink-logit").recurrent(**x))


# --- Differential Transformer: the released lambda_init counts layers from 0 -------------------------------


@pytest.mark.parametrize("depth", [0, 1, 5, 23])
def test_diff_transformer_released_lambda_init_uses_the_zero_based_layer_index(depth):
    # Diff-Transformer/multihead_diffattn.py: lambda_init_fn(depth) = 0.8 - 0.6 * math.exp(-0.3 * depth).
    released = 0.8 - 0.6 * np.exp(-0.3 * depth)
    assert load("diff-transformer").lambda_init(depth + 1) == pytest.approx(released, abs=1e-15)
