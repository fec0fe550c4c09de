"""Adapters of masked and selected attention: FlexAttention block masks (StreamingLLM, BigBird, MoBA's
routed blocks) and fla's Native Sparse Attention."""

from __future__ import annotations

import numpy as np
import torch

from ..wasm import head, hf_qkv
from .base import DEV, Adapter, _first, _imp
from .softmax import SDPA


class FlexStreaming(SDPA):
    """StreamingLLM: FlexAttention (torch.compile'd) with the mask 'causal and (j < n_s or t - j < W)',
    n_s = 4 sink tokens and W = 4096 (64 in the check, so the window is exercised). The block mask is built
    once per length, outside the timed region (first call)."""

    name = "flex_streamingllm"

    kernel = "torch.nn.attention.flex_attention.flex_attention"
    label = "torch.nn.attention.flex_attention (compiled; mask: 4 sinks + window 4096)"
    step_label = "torch SDPA (q_len=1 over the n_s + W cached entries)"
    window, sinks = 4096, 4
    sizes, check_sizes = {"window": window}, {"window": 64}

    def reference_args(self, x, b, h):
        return {**hf_qkv(x, b, h), "window": self.now["window"], "sinks": self.sinks}

    def mask_mod(self):
        W, n_s = self.now["window"], self.sinks

        def mask(b, h, q, kv):
            return (kv <= q) & ((kv < n_s) | (q - kv < W))

        return mask

    def run(self, x):
        flex, block_mask = _flex(self, x["q"].shape[2])
        return flex(x["q"], x["k"], x["v"], block_mask=block_mask).transpose(1, 2)

    def decode(self, T, H, D):
        return SDPA.decode(self, min(T, self.window + self.sinks), H, D)


_FLEX = {}


def _flex_compile():
    import torch._dynamo
    from torch.nn.attention.flex_attention import create_block_mask, flex_attention

    # One worker runs several mask adapters, and each new mask function, check size, length and grad mode
    # costs flex_attention a recompile; past the default limit of 8 torch silently runs it unfused, which
    # materialises the T x T scores (an 'out of memory' or a time that is not the kernel's). Allow enough
    # recompiles for a worker's adapters and make any fallback an error, never a timing.
    torch._dynamo.config.recompile_limit = max(torch._dynamo.config.recompile_limit, 64)
    torch._dynamo.config.fail_on_recompile_limit_hit = True
    _FLEX["fn"] = torch.compile(flex_attention)  # automatic dynamic shapes: one recompile, not one per T
    _FLEX["mask"] = torch.compile(create_block_mask)


def _flex(ad, T):
    """(compiled flex_attention, the adapter's block mask at length T), both built on first use; the mask
    builder is compiled too, so a long sequence never materialises its T x T mask."""
    if "fn" not in _FLEX:
        _flex_compile()
    mask = ad.once((T, ad.now["window"]), lambda: _FLEX["mask"](ad.mask_mod(), None, None, T, T, device=DEV))
    return _FLEX["fn"], mask


class FlexBigBird(FlexStreaming):
    """BigBird, causal: FlexAttention (compiled) with the mask 'causal and (window W = 192, or one of the
    first G = 128 tokens, or one of r = 3 random earlier blocks of P = 64)'. The random blocks are drawn per
    query block before the run (a kernel input, rand_blocks (T / P, r), -1 where no earlier block is left),
    as BigBird draws them per block; the check uses W = G = P = 16, r = 2."""

    name = "flex_bigbird"

    label = "torch.nn.attention.flex_attention (compiled; window 192 + 128 global + 3 random blocks of 64)"
    step_kernel = None
    step_label = None
    decode_note = (
        "the random blocks reach anywhere in the past, so decoding keeps the full cache; not measured"
    )
    decode = Adapter.decode  # not measured (decode_note says why), though the base class decodes
    sizes = {"window": 192, "n_global": 128, "block": 64, "n_random": 3}
    check_sizes = {"window": 16, "n_global": 16, "block": 16, "n_random": 2}

    def reference_args(self, x, b, h):
        """The random blocks (one row of r block indices per query block of P, -1 for none) as kernels_wasm's
        per-token links: every position of the query block's random blocks."""
        T, P = x["q"].shape[2], self.now["block"]
        table = x["rand_blocks"].astype(np.int64)
        links = np.full((T, table.shape[1] * P), -1, dtype=np.int64)
        for t in range(T):
            pos = [np.arange(blk * P, blk * P + P) for blk in table[t // P] if blk >= 0]
            if pos:
                flat = np.concatenate(pos)
                links[t, : flat.size] = flat
        sizes = {n: self.now[n] for n in ("window", "n_global")}
        return {**hf_qkv(x, b, h), **sizes, "links": links}

    def make(self, B, T, H, D):
        x = super().make(B, T, H, D)
        P, r, first = self.now["block"], self.now["n_random"], self.now["n_global"] // self.now["block"]
        rng = np.random.default_rng(T)
        table = np.full((T // P, r), -1, dtype=np.int64)
        for qb in range(T // P):
            pool = np.arange(first, max(first, qb - self.now["window"] // P))  # before the window's blocks
            pick = rng.choice(pool, size=min(r, pool.size), replace=False) if pool.size else pool
            table[qb, : pick.size] = np.sort(pick)
        x["rand_blocks"] = torch.from_numpy(table).to(DEV)
        self._rand = x["rand_blocks"]
        return x

    def mask_mod(self):
        W, G, P, r, rb = *(self.now[n] for n in ("window", "n_global", "block", "n_random")), self._rand

        def mask(b, h, q, kv):
            hit = (q - kv < W) | (kv < G)
            for i in range(r):
                hit = hit | (rb[q // P, i] == kv // P)
            return (kv <= q) & hit

        return mask

    def run(self, x):
        self._rand = x["rand_blocks"]
        return super().run(x)


class FlaNSA(Adapter):
    """NSA: fla's parallel_nsa for the compressed and selected branches (mean-pooled blocks of 64, 16 blocks
    selected, the first and the two latest forced), plus the sliding-window branch (W = 512) through fla's
    parallel_attn, since fla's own wrapper calls FlashAttention for it. One key-value head per 16 query
    heads, as the kernel requires (the selection is shared by the group, summed over its heads). The check
    gives the 16 heads of a group the same query, so the group's choice is each head's own, as in the
    single-head reference, and uses blocks of 16, 4 selected, W = 32 (its T = 256 would select every block of
    64)."""

    name = "fla_nsa"

    kernel = "fla.ops.nsa.parallel_nsa"
    label = "fla.ops.nsa.parallel_nsa (compressed + selected) + fla.ops.attn.parallel_attn (window)"
    grads = ("q", "k", "v", "g_cmp", "g_slc", "g_win")
    decode_note = "one step reads pooled blocks, chosen blocks and a window of a full cache; no public kernel"
    sizes = {"block": 64, "top_n": 16, "window": 512}
    check_sizes = {"block": 16, "top_n": 4, "window": 32}
    group = 16

    def reference_args(self, x, b, h):
        """Query head h reads key-value head h // G; the three gates are per query head."""
        G = x["q"].shape[2] // x["k"].shape[2]
        kv = {n: x[n][b, :, h // G] for n in ("k", "v")}
        gates = {n: head(x[n], b, h) for n in ("g_cmp", "g_slc", "g_win")}
        return {"q": head(x["q"], b, h), **kv, **gates, **self.now}

    def make(self, B, T, H, D, same_group=False):
        G = self.group
        Hk = max(1, H // G)
        q = self.randn(B, T, 1 if same_group else H, D)
        x = {"q": q.expand(B, T, Hk * G, D).contiguous() if same_group else q}
        x["k"], x["v"] = self.randn(B, T, Hk, D), self.randn(B, T, Hk, D)
        for n in ("g_cmp", "g_slc", "g_win"):
            x[n] = self.sigmoid(B, T, Hk * G)
        return x

    def check_inputs(self, H, D):
        self.now = dict(self.check_sizes)
        return self.make(2, self.check_T, self.group, D, same_group=True)

    def run(self, x):
        nsa = self.fn()
        attn = _imp("fla.ops.attn.parallel_attn")
        n = self.now
        q, k, v = x["q"], x["k"], x["v"]
        o = nsa(q, k, v, g_cmp=x["g_cmp"], g_slc=x["g_slc"], block_counts=n["top_n"], block_size=n["block"])
        o_win = _first(attn(q, k, v, window_size=n["window"]))
        return torch.addcmul(o, o_win, x["g_win"].unsqueeze(-1))


class FlexMoBA(SDPA):
    """MoBA as its authors compute it (moba_efficient.py: each block's queries gathered, attention over that
    block alone, the partial results merged by their log-sum-exp), with FlexAttention in place of
    FlashAttention's variable-length kernel (the authors' and fla's MoBA kernels call FlashAttention).

    The router (mean-pooled key per finished block of 512, scores q . kbar, the own block plus the top 2
    earlier ones: k = 3) runs in torch inside the timed region. Every token then has k slots, one per block
    it reads (its own and the k - 1 it routed to; a slot is empty while fewer blocks have finished). The T k
    slots are sorted by block, their queries gathered in that order, and FlexAttention runs them against the
    keys: slot s of token t in block b reads the keys of block b up to t. Sorted, a tile of 128 slots covers
    one or two blocks, so it reads a few key tiles, and the work is T k B per head, linear in T. (A plain
    block mask over the tokens, each tile reading the union of the blocks its 128 queries chose, read 99% of
    the causal tiles at T = 32K: nearly dense attention, not MoBA.) Each slot returns its output o_s and
    log-sum-exp l_s; a token's output is sum_s softmax(l)_s o_s over its slots, the softmax over all the keys
    it read. Checked on a CPU against kernels_wasm.moba (scripts/check_adapters_cpu.py)."""

    name = "flex_moba_gathered"

    label = "MoBA router (torch) + gathered queries + torch.nn.attention.flex_attention (block 512, top-3)"
    step_kernel = None
    step_label = None
    decode_note = "one step reads the own block and the top-k chosen blocks of a full cache; not measured"
    decode = Adapter.decode  # not measured (decode_note says why), though the base class decodes
    sizes = {"block": 512, "top_k": 3}
    check_sizes = {"block": 32, "top_k": 3}  # eight blocks in the check's 256 tokens
    tile = 128  # FlexAttention's block: T and T k are multiples of it in the check and the sweep

    def reference_args(self, x, b, h):
        return {**hf_qkv(x, b, h), **self.now}

    def route(self, q, k):
        """(B, H, T, n_blocks) bool: the blocks query t reads (its own, the top k - 1 finished earlier)."""
        Bm, n = self.now["block"], self.now["top_k"]
        B, H, T, D = q.shape
        nb = T // Bm
        kbar = k[:, :, : nb * Bm].reshape(B, H, nb, Bm, D).float().mean(3)
        s = q.float() @ kbar.transpose(-1, -2)  # (B, H, T, nb)
        own = torch.arange(T, device=q.device) // Bm
        earlier = torch.arange(nb, device=q.device)[None, :] < own[:, None]  # (T, nb)
        s = s.masked_fill(~earlier, float("-inf"))
        top = s.topk(min(n - 1, nb), dim=-1)
        sel = torch.zeros_like(s, dtype=torch.bool)
        sel.scatter_(-1, top.indices, top.values > float("-inf"))
        return sel | (torch.arange(nb, device=q.device)[None, :] == own[:, None])

    def _slots(self, q, k):
        """(blocks, tokens, filled), each (B, H, T k) in block order: the block each slot reads, its token and
        whether it holds a block at all; plus the permutation from token-major slot order to that order."""
        with torch.no_grad():  # the routing is a choice, not differentiated (as in MoBA)
            sel = self.route(q, k)  # (B, H, T, finished blocks)
            B, H, T, nb = sel.shape
            n, Bm = self.now["top_k"], self.now["block"]
            if nb * Bm < T:  # the last block is unfinished: a column for it, which only its own tokens read
                own = torch.arange(T, device=q.device) // Bm == nb
                sel = torch.cat([sel, own.view(1, 1, T, 1).expand(B, H, T, 1)], dim=-1)
            if sel.shape[-1] < n:  # fewer blocks than slots: columns no token chooses
                sel = torch.cat([sel, sel.new_zeros(B, H, T, n - sel.shape[-1])], dim=-1)
            # a token's chosen blocks first, in block order (a stable sort keeps it), then the unchosen
            picked = torch.sort(sel.to(torch.int8), dim=-1, descending=True, stable=True).indices[..., :n]
            filled = sel.gather(-1, picked)  # (B, H, T, n): fewer than n blocks are finished early on
            tokens = torch.arange(T, device=q.device).view(1, 1, T, 1).expand(B, H, T, n)
            blocks = torch.where(filled, picked, tokens // Bm)  # an empty slot: its own block, masked
            order = torch.argsort((blocks * T + tokens).reshape(B, H, T * n), dim=-1, stable=True)
            flat = [t.reshape(B, H, T * n).gather(-1, order) for t in (blocks, tokens, filled)]
        return (*flat, order)

    def _gathered_mask(self, blocks, tokens, filled, T):
        """The BlockMask of the sorted slots against the T keys: a tile of slots reads the key tiles of the
        blocks its slots hold; the mask function keeps each slot's own block, up to its own token."""
        from torch.nn.attention.flex_attention import BlockMask

        B, H, S = blocks.shape
        Bm, tile = self.now["block"], self.tile
        nb, nq, nk = -(-T // Bm), S // tile, T // tile  # with an unfinished last block

        def table():  # persistent buffers per shape, so the compiled kernel is reused across calls
            bufs = [torch.zeros_like(t) for t in (blocks, tokens, filled)]
            blk, tok, ok = bufs
            return bufs, lambda b, h, s, kv: ok[b, h, s] & (kv // Bm == blk[b, h, s]) & (kv <= tok[b, h, s])

        bufs, mask = self.once(("gathered", B, H, T, Bm), table)
        for buf, t in zip(bufs, (blocks, tokens, filled), strict=True):
            buf.copy_(t)
        holds = torch.zeros(B, H, nq, nb, dtype=torch.bool, device=blocks.device)
        holds.scatter_(-1, blocks.view(B, H, nq, tile), True)  # (B, H, slot tile, block)
        key_tile = torch.arange(nk, device=blocks.device)[None, :] * tile
        block = torch.arange(nb, device=blocks.device)[:, None] * Bm
        spans = (key_tile + tile > block) & (key_tile < block + Bm)  # (block, key tile): tiles it overlaps
        tiles = (holds.to(torch.float32) @ spans.to(torch.float32)) > 0  # (B, H, slot tile, key tile)
        counts = tiles.sum(-1, dtype=torch.int32)
        idx = torch.argsort(tiles.to(torch.int8), dim=-1, descending=True, stable=True).to(torch.int32)
        return BlockMask.from_kv_blocks(
            counts, idx, BLOCK_SIZE=(tile, tile), mask_mod=mask, seq_lengths=(S, T)
        )

    def run(self, x):
        from torch.nn.attention.flex_attention import AuxRequest

        if "fn" not in _FLEX:
            _flex_compile()
        q, k, v = x["q"], x["k"], x["v"]
        B, H, T, D = q.shape
        n = self.now["top_k"]
        blocks, tokens, filled, order = self._slots(q, k)
        q_slots = q.gather(2, tokens.unsqueeze(-1).expand(B, H, T * n, D))
        mask = self._gathered_mask(blocks, tokens, filled, T)
        o, aux = _FLEX["fn"](q_slots, k, v, block_mask=mask, return_aux=AuxRequest(lse=True))
        lse = aux.lse
        # back to token-major slot order, then each token's slots merged by their share of its softmax
        back = torch.argsort(order, dim=-1)
        o = o.gather(2, back.unsqueeze(-1).expand(B, H, T * n, D)).view(B, H, T, n, D)
        weight = torch.softmax(lse.gather(2, back).view(B, H, T, n).float(), dim=-1)  # an empty slot: -inf, 0
        return (weight.unsqueeze(-1) * o.float()).sum(3).to(q.dtype).transpose(1, 2)
