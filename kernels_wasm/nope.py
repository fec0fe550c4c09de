"""NoPE (Kazemnejad et al., 2023): a decoder-only Transformer with no positional encoding at all.

The paper's point is an omission: no sinusoids, no RoPE, no ALiBi. Causal softmax attention still knows
order, because the causal mask makes query i average over exactly i + 1 keys, and that count is a position
signal the network can read (the paper shows the first layer can recover absolute position from it). The
kernel is therefore exactly the Transformer's: logits q_i . k_j / sqrt(d_k), softmax over j <= i.

Glossary (paper -> code)
    Q, K, V          q, k, v        (T, d_k), (T, d_k), (T, d_v), one head, no position added anywhere
    M                mask           the causal mask, the only source of order
    A                A              (T, T) attention weights
    KV cache         K_c, V_c       (t+1, d_k), (t+1, d_v) at step t

Forms
    recurrent   decode loop over the KV cache
    parallel    O = softmax(Q K^T / sqrt(d_k) + M) V
    chunked     FlashAttention tiles (online softmax)

The computation is the Transformer's line for line, so its functions are imported from transformer.py rather
than copied: the cache holds the keys as they come, with no rotation and no bias added to the logits.
"""

from .transformer import chunked, inputs, mixing_matrix, parallel, recurrent, states

__all__ = ["inputs", "recurrent", "mixing_matrix", "parallel", "chunked", "states"]
