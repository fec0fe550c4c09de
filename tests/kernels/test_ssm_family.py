"""Reductions the lineage of the state-space and gated-RNN models claims, and two the descriptions state.

S4 -> S5 (one input channel and one time scale: S5 is an S4D filter), LRU -> Griffin (constant gates: the
RG-LRU is a real-valued LRU), HGRN -> HGRN2 (HGRN's vector state is the diagonal of HGRN2's matrix state),
linear attention -> Hedgehog and Lightning Attention, and Lightning Attention = RetNet's retention.
"""

import numpy as np
from kernel_helpers import close, draw, load


def test_s5_with_one_input_and_one_time_scale_is_s4d():
    s4 = draw("s4", 17, 1, seed=3, n=4)
    lam = s4["A_re"][0] + 1j * s4["A_im"][0]
    x = dict(v=s4["v"], Lambda_re=lam.real, Lambda_im=lam.imag, log_step=np.full(4, np.log(s4["dt"][0])))
    x.update(B_re=np.ones((4, 1)), B_im=np.zeros((4, 1)), C_re=s4["C_re"], C_im=s4["C_im"], D=s4["D"])
    close(load("s5").recurrent(**x), load("s4").recurrent(**s4))


def test_griffin_with_constant_gates_is_a_real_lru():
    T, d = 15, 3
    g = draw("griffin", T, d, seed=4)
    g = dict(g, r=np.ones((T, d)), i=np.ones((T, d)))  # a_t = a^c, nothing filtered
    lam = g["a"] ** 8.0  # c = 8
    lru = dict(v=g["v"], nu_log=np.log(-np.log(lam)), theta_log=np.full(d, -np.inf))  # phase exactly 0
    lru.update(B_re=np.eye(d), B_im=np.zeros((d, d)), C_re=np.eye(d), C_im=np.zeros((d, d)), D=np.zeros(d))
    close(load("lru").recurrent(**lru), load("griffin").recurrent(**g))


def test_hgrn_is_the_diagonal_of_hgrn2():
    x = draw("hgrn", 13, 4, seed=5, gamma=0.6)
    lam = x["gamma"] + (1 - x["gamma"]) * x["mu"]
    S = load("hgrn2").states(np.zeros_like(x["v"]), x["v"], lam)  # (T, d_v, d_k); q does not enter the state
    close(np.diagonal(S, axis1=1, axis2=2), load("hgrn").recurrent(**x))


def test_hedgehog_is_normalised_linear_attention_on_its_features():
    x = draw("hedgehog", 12, 3, seed=6, scale=0.7)
    hh = load("hedgehog")
    fq, fk = hh.feature_map(x["q"], x["Wq"], x["bq"]), hh.feature_map(x["k"], x["Wk"], x["bk"])
    close(hh.recurrent(**x), load("linear_attention").recurrent(fq, fk, x["v"], normalise=True))


def test_lightning_attention_is_retention_with_gamma_exp_minus_slope():
    x = draw("lightning-attention", 14, 4, seed=7, slope=0.2)
    out = load("retnet").recurrent(x["q"], x["k"], x["v"], np.exp(-0.2))
    close(load("lightning-attention").recurrent(**x), out)


def test_lightning_attention_without_decay_is_unnormalised_linear_attention():
    x = draw("lightning-attention", 14, 4, seed=8, slope=0.0)
    out = load("linear_attention").recurrent(x["q"], x["k"], x["v"], normalise=False)
    close(load("lightning-attention").recurrent(**x), out)
