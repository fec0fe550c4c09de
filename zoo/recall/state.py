"""The state size of a trained mixer, defined once: zoo.memory's formulas on the model's block memory spec.

    state_bytes(model, d, T) = (kv + state) elements of ONE mixer layer after T tokens x bytes per element

which is, for a fixed-state model, its recurrent state (matrix, slots, SSM state, plus its short-conv
cache) and, for a softmax model, its KV cache at the sequence length (the window for a sliding window),
and for a long convolution the inputs it keeps. It is the number the model cards count
(zoo.sitegen.home.state_numbers: kv + state of ``layer_elements``), here at the sizes of the trained layer
(zoo.recall.mixers) instead of the cards' reference sizes. Zoology's own MQAR model adds a BaseConv layer
before the mixer whose short convolution keeps (3 - 1) d numbers; ``recipe_conv_elements`` counts it apart.

Needs the registry (pydantic), so it runs on the CPU side: the GPU run records the sizes it trained and
``python -m zoo.recall merge`` / ``annotate`` fills in the bytes.
"""

from __future__ import annotations

from functools import cache

from zoo.memory import DTYPE_BYTES, layer_elements

from .mixers import MIXERS, sizes_for

DTYPE = "bf16"
RECIPE_CONV = 3  # Zoology's BaseConv short filter width (zoology/experiments/*: kernel_size 3)


@cache
def memory_specs() -> dict:
    """model id -> resolved block MemorySpec, for the models of the sweep."""
    from zoo.diagrams import blocks_of
    from zoo.registry import load
    from zoo.schema.blocks import resolve_block

    reg = load()
    blocks = blocks_of(reg)
    return {mid: resolve_block(mid, blocks).memory for mid in MIXERS if mid in blocks}


def elements(model_id: str, d: int, T: int) -> int:
    """Numbers one mixer layer keeps for one sequence after T tokens (kv cache + recurrent state)."""
    from zoo.schema.blocks import MixerSizes

    mem = memory_specs().get(model_id)
    if mem is None:
        raise KeyError(f"model {model_id!r} has no block memory spec in models.yaml")
    per = layer_elements(mem, MixerSizes(**sizes_for(model_id, d)), T)
    return per.kv + per.state


def state_bytes(model_id: str, d: int, T: int, dtype: str = DTYPE) -> int:
    return elements(model_id, d, T) * DTYPE_BYTES[dtype]


def grows(model_id: str) -> bool:
    """True when the memory depends on T (a KV cache, a window, kept inputs)."""
    from zoo.memory import GROWS

    return memory_specs()[model_id].kind in GROWS


def recipe_conv_elements(d: int) -> int:
    return (RECIPE_CONV - 1) * d
