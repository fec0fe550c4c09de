"""The block spec language: one layer block of a model, and hybrid stacks made of zoo mixers.

Glossary
--------
block      one layer of a model as a small dataflow graph, read top to bottom: block input -> ops -> output.
op         one node of that graph: a projection, a short convolution, a norm, the mixer, a gate ...
           Each op has an ``id`` (unique in the block) and reads the ops listed in ``in`` (default: the op
           written just before it; the first op reads the block input, called ``input``).
stream     a named tensor a projection produces: ``q``, ``k``, ``v`` and gates such as ``alpha``, ``beta``,
           ``z`` (output gate), ``dt`` (Mamba's step size). Later ops may say which streams they act on
           (``streams: [q, k]``) so one column of boxes can stand for the q, k and v paths at once.
branch     a path that leaves the main column and joins it again (Mamba's gate branch ``z``).
mixer      the model's sequence mixer (its recurrence or attention); drawn large, labelled with the
           model's recurrence and coloured by readout and decay, like the cards.
residual   ``x + f(x)``: adds the output of ``skip`` (default: the block input) to the op before it.
extends    reuse another model's block; ``differences`` says in words what changes, and ``override`` /
           ``add`` / ``remove`` edit the inherited op list by id.
memory     what one layer of this mixer keeps per sequence at inference time (KV cache or recurrent
           state); zoo.memory turns it into bytes for the hybrid memory calculator.

The graph is validated here (pydantic v2, unknown keys rejected); errors carry a location path
(``ops[3].in[0]``) that the registry maps to a YAML line. Cross-model checks (``extends`` targets,
cycles, stream names inherited from a parent) live in :func:`resolve_block`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Literal

import pydantic_core
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_core import InitErrorDetails, PydanticCustomError

from zoo.formula import parse as parse_formula

# One entry per operation a block may use: op name -> (default label, what it does, shown on hover).
OPS: dict[str, tuple[str, str]] = {
    "linear": ("Linear", "Linear projection: a learned matrix applied to each token independently."),
    "conv": (
        "Conv1d",
        "Short causal depthwise convolution over time: each channel mixes with its few "
        "immediate predecessors (a cheap local n-gram detector).",
    ),
    "activation": ("SiLU", "Elementwise nonlinearity applied to each entry independently."),
    "norm": ("Norm", "Normalisation of each token's feature vector (LayerNorm, RMSNorm or GroupNorm)."),
    "l2norm": (
        "L2 norm",
        "Divides each vector of its streams by its Euclidean length, so they have unit norm "
        "(keeps delta-rule and Householder updates stable).",
    ),
    "gate": (
        "Gate",
        "Computes a gate from the token (usually a small projection and a sigmoid) that scales "
        "another signal.",
    ),
    "mixer": ("Mixer", "The sequence mixer: the only op that moves information between tokens."),
    "multiply": ("×", "Elementwise product of its inputs (gating)."),
    "add": ("+", "Elementwise sum of its inputs."),
    "residual": ("+", "Residual connection: adds the skip input back, so the block learns a correction."),
    "ffn": ("FFN", "Feed-forward network (MLP) applied to each token: expand, nonlinearity, project back."),
    "moe": ("MoE", "Mixture-of-experts feed-forward: a router sends each token to a few expert MLPs."),
    "shift": (
        "Token shift",
        "Mixes each token with the previous token (a learned per-channel interpolation).",
    ),
    "feature_map": ("φ(·)", "Feature map applied to queries and keys before they are compared."),
    "rotary": (
        "RoPE",
        "Rotates pairs of query/key channels by position-dependent angles, so scores "
        "depend on relative position.",
    ),
}
# Stream names are ASCII in YAML; boxes show the usual symbols.
SYMBOLS = {
    "alpha": "α",
    "beta": "β",
    "gamma": "γ",
    "dt": "Δ",
    "lam": "λ",
    "eta": "η",
    "phi": "φ",
    "theta": "θ",
    "tau": "τ",
    "mu": "μ",
}


def symbol(stream: str) -> str:
    return SYMBOLS.get(stream, stream)


OpName = Literal[
    "linear",
    "conv",
    "activation",
    "norm",
    "l2norm",
    "gate",
    "mixer",
    "multiply",
    "add",
    "residual",
    "ffn",
    "moe",
    "shift",
    "feature_map",
    "rotary",
]
# How many inputs each op takes: (min, max); None = unbounded.
ARITY: dict[str, tuple[int, int | None]] = {op: (1, 1) for op in OPS}
# A linear or gate op with several inputs projects their concatenation.
ARITY.update(
    {"mixer": (1, None), "multiply": (2, None), "add": (2, None), "gate": (1, None), "linear": (1, None)}
)

MemoryKind = Literal[
    "kv_cache", "kv_window", "matrix", "log_matrix", "diag_ssm", "ssd", "slots", "vector", "long_conv"
]

_ID = re.compile(r"^[a-z][a-z0-9_]*$")
_ZOO_ID = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
INPUT = "input"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _raise_at(loc: tuple, message: str, value: object = None) -> None:
    """Raise a validation error located at ``loc`` (relative to the model being validated).

    Raised inside a validator, pydantic prefixes the outer location, so the registry sees e.g.
    ('models', 5, 'block', 'ops', 3, 'in', 0) and can point at the YAML line.
    """
    err = PydanticCustomError("block_spec", "{message}", {"message": message})
    raise pydantic_core.ValidationError.from_exception_data(
        "BlockSpec", [InitErrorDetails(type=err, loc=loc, input=value)]
    )


class Op(_Strict):
    """One node of the block graph."""

    id: str = Field(description="unique within the block; lower_snake_case; 'input' is the block input")
    op: OpName = Field(description="which operation (see zoo.schema.blocks.OPS)")
    in_: list[str] | None = Field(
        default=None, alias="in", description="ids of the ops this one reads; default: the previous op"
    )
    label: str | None = Field(default=None, max_length=28, description="short box text; default from op/kind")
    kind: str | None = Field(
        default=None, max_length=24, description="variant shown in the box: RMSNorm, SiLU, GroupNorm, k=4 ..."
    )
    produces: list[str] = Field(
        default_factory=list, description="streams this projection creates: q, k, v, alpha, beta, z ..."
    )
    streams: list[str] = Field(
        default_factory=list,
        description="streams this op acts on, shown as '(q, k)' (not 'on': YAML reads that key as true)",
    )
    skip: str | None = Field(default=None, description="residual only: where the skip connection starts")
    note: str | None = Field(default=None, max_length=240, description="what this op does here (hover text)")
    after: str | None = Field(default=None, description="only inside 'add': insert after this op id")

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    @field_validator("id")
    @classmethod
    def _id_ok(cls, v: str) -> str:
        if not _ID.match(v) or v == INPUT:
            raise ValueError(f"op id {v!r} must be lower_snake_case (a-z, 0-9, _) and not 'input'")
        return v

    @field_validator("produces", "streams")
    @classmethod
    def _streams_ok(cls, v: list[str]) -> list[str]:
        for s in v:
            if not (1 <= len(s) <= 8) or not re.match(r"^[A-Za-z][A-Za-z0-9_]*$", s):
                raise ValueError(f"stream name {s!r} must be 1-8 letters/digits (q, k, v, alpha, z ...)")
        if len(set(v)) != len(v):
            raise ValueError(f"stream names repeat in {v}")
        return v

    @model_validator(mode="after")
    def _fields_fit_op(self) -> Op:
        if self.produces and self.op not in ("linear", "gate", "conv"):
            _raise_at(("produces",), f"op '{self.op}' cannot produce streams; only linear, gate and conv can")
        if self.skip is not None and self.op != "residual":
            _raise_at(("skip",), f"'skip' is only for op 'residual', not '{self.op}'")
        return self

    def text(self) -> str:
        """The box text: label, or the op's default label with its kind and streams."""
        if self.label:
            return self.label
        named = ("activation", "norm", "feature_map")  # the kind *is* the name (SiLU, RMSNorm, ...)
        base = self.kind if (self.kind and self.op in named) else OPS[self.op][0]
        if self.kind and self.op not in named:
            base = f"{base} {self.kind}"
        if self.produces:
            return f"{base} → {', '.join(symbol(x) for x in self.produces)}"
        if self.streams:
            return f"{base} ({', '.join(symbol(x) for x in self.streams)})"
        return base

    def description(self) -> str:
        return self.note or OPS[self.op][1]


class MemorySpec(_Strict):
    """What one layer of this mixer stores per sequence during decoding (for the memory calculator).

    ``kind`` names how that memory scales: kv_cache (softmax attention: keys and values of every token),
    kv_window (sliding window), slots (bounded memory of m key/value slots), matrix (one d_v x d_k matrix
    per head), log_matrix (one matrix per Fenwick level), diag_ssm (Mamba-1 / S4D: N entries per channel),
    ssd (Mamba-2: heads x head dim x N), vector (diagonal RNN), long_conv (implicit long convolution: keeps
    the inputs); plus, when ``conv`` is set, a short-conv cache. ``state`` writes out the numbers a layer
    with a fixed-size state keeps when they are more than its kind's default (zoo.memory.KIND_STATE), e.g.
    a second matrix, or, on a softmax layer, a fixed state kept beside the cache (Mega's EMA); the formulas,
    in elements per layer, are evaluated in zoo.memory. ``card_differs`` says why the card's cost.state
    formula is not this count in the same letters (tests/test_memory.py holds every other card to it).
    """

    kind: MemoryKind
    state_size: int | None = Field(
        default=None,
        ge=1,
        description="N: the state size a layer chooses (SSM state per channel, slots m, LRU/S5 modes, "
        "random or Taylor features, Hyena's long convolutions), the paper's default; a stack may set its own",
    )
    conv: int | None = Field(default=None, ge=2, description="short-conv kernel width, if the block has one")
    conv_streams: list[str] = Field(
        default_factory=list, description="streams the short conv caches (e.g. [q, k, v]); default x"
    )
    state: str | None = Field(
        default=None,
        description="numbers one layer's fixed-size state keeps, e.g. 'h (d_k d_v + d_k^2)' (symbols in "
        "zoo/formula.py: h, d_k, d_v, D channels, N state size); default from the kind; on a softmax layer, "
        "a fixed state kept beside the cache",
    )
    card_differs: str | None = Field(
        default=None,
        min_length=20,
        max_length=240,
        description="why the card's cost.state formula cannot be compared with this count (letters the "
        "calculator sizes differently); every other card is held to the count by a test",
    )
    note: str | None = Field(default=None, max_length=240)

    @field_validator("state")
    @classmethod
    def _formula(cls, v: str | None) -> str | None:
        if v is not None:
            parse_formula(v)  # a FormulaError (a ValueError) says what cannot be read
        return v

    @model_validator(mode="after")
    def _state_is_fixed(self) -> MemorySpec:
        if self.state is not None and self.kind == "long_conv":
            _raise_at(
                ("state",),
                "'state' is a fixed-size state; a long_conv layer keeps its inputs, sized by the stack",
            )
        return self


class BlockSpec(_Strict):
    """One model's layer block.

    Either ``ops`` (the full graph) or ``extends`` + ``differences`` (+ optional override/add/remove).
    """

    extends: str | None = Field(default=None, description="id of the model whose block this one reuses")
    differences: str | None = Field(
        default=None, max_length=400, description="in words, what changes w.r.t. the extended block"
    )
    recurrence: str | None = Field(
        default=None,
        max_length=48,
        description="short plain-text recurrence for the mixer box, e.g. 'S ← αS(I − βkkᵀ) + βvkᵀ'",
    )
    norm_position: Literal["pre", "post", "none"] | None = Field(
        default=None, description="where the residual-branch norm sits (pre-norm, post-norm, none)"
    )
    source: str | None = Field(
        default=None,
        max_length=320,
        description="where the paper draws or describes the block (figure, section)",
    )
    ops: list[Op] | None = None
    override: list[Op] = Field(default_factory=list, description="replace inherited ops with the same id")
    add: list[Op] = Field(default_factory=list, description="new ops, each with 'after: <id>'")
    remove: list[str] = Field(default_factory=list, description="ids of inherited ops to drop")
    memory: MemorySpec | None = None

    @field_validator("extends")
    @classmethod
    def _extends_id(cls, v: str | None) -> str | None:
        if v is not None and not _ZOO_ID.match(v):
            raise ValueError(f"'extends' must be a model id in kebab-case, got {v!r}")
        return v

    @model_validator(mode="after")
    def _shape(self) -> BlockSpec:
        if self.extends is None:
            if self.ops is None:
                _raise_at(("ops",), "a block needs 'ops' (its operations), or 'extends: <model id>'")
            for name in ("override", "add", "remove", "differences"):
                if getattr(self, name):
                    _raise_at((name,), f"'{name}' only makes sense with 'extends: <model id>'")
            check_graph(self.ops)
        else:
            if self.ops is not None:
                _raise_at(("ops",), "give either 'ops' or 'extends', not both (use override/add/remove)")
            if not self.differences:
                _raise_at(
                    ("differences",),
                    f"a block that extends '{self.extends}' must state its "
                    "differences in words ('differences: ...')",
                )
            for i, op in enumerate(self.add):
                if op.after is None:
                    _raise_at(("add", i, "after"), f"added op '{op.id}' needs 'after: <op id>'")
        for name in ("override",):
            for i, op in enumerate(getattr(self, name)):
                if op.after is not None:
                    _raise_at((name, i, "after"), "'after' is only used inside 'add'")
        if self.ops:
            for i, op in enumerate(self.ops):
                if op.after is not None:
                    _raise_at(("ops", i, "after"), "'after' is only used inside 'add'")
        return self


def check_graph(ops: list[Op], where: tuple = ("ops",)) -> None:
    """Check one complete op list: ids unique, references point backwards, arity, streams, no dead ends.

    Raises a located validation error (see _raise_at); ``where`` is the location of the list.
    """
    if not ops:
        _raise_at(where, "a block needs at least one op")
    seen: dict[str, int] = {}
    streams: dict[str, set[str]] = {INPUT: set()}  # op id -> streams available at its output
    consumed: set[str] = set()
    for i, op in enumerate(ops):
        if op.id in seen:
            _raise_at(
                (*where, i, "id"), f"op id '{op.id}' is used twice (first at {where[-1]}[{seen[op.id]}])"
            )
        ins = op.in_ if op.in_ is not None else [ops[i - 1].id if i else INPUT]
        lo, hi = ARITY[op.op]
        if len(ins) < lo or (hi is not None and len(ins) > hi):
            want = f"exactly {lo}" if lo == hi else f"at least {lo}" if hi is None else f"{lo} to {hi}"
            _raise_at(
                (*where, i, "in"), f"op '{op.id}' ({op.op}) takes {want} input(s), got {len(ins)}: {ins}"
            )
        avail: set[str] = set()
        for j, ref in enumerate(ins):
            if ref != INPUT and ref not in seen:
                later = any(o.id == ref for o in ops[i:])
                why = (
                    "it comes later; inputs must be written before the op that reads them"
                    if later
                    else f"no op has that id; known so far: {', '.join([INPUT, *seen])}"
                )
                _raise_at((*where, i, "in", j), f"op '{op.id}' reads '{ref}', a dangling branch: {why}", ref)
            consumed.add(ref)
            avail |= streams[ref]
        if op.op == "residual":
            skip = op.skip or INPUT
            if skip != INPUT and skip not in seen:
                _raise_at(
                    (*where, i, "skip"),
                    f"residual '{op.id}' skips from '{skip}', which is not an "
                    f"earlier op id (known: {', '.join([INPUT, *seen])})",
                    skip,
                )
            consumed.add(skip)
        if op.streams:
            missing = [s for s in op.streams if s not in avail]
            if missing and avail:
                _raise_at(
                    (*where, i, "streams"),
                    f"op '{op.id}' acts on {missing}, but its inputs carry only {sorted(avail)}",
                )
        seen[op.id] = i
        # streams pass through shape-preserving ops; a mixer/FFN/residual output is a new, unnamed tensor
        if op.produces:
            streams[op.id] = set(op.produces)
        elif op.op in ("mixer", "ffn", "moe", "residual", "multiply", "add"):
            streams[op.id] = set()
        else:
            streams[op.id] = avail
    if not any(op.op == "mixer" for op in ops):
        _raise_at(where, "a block needs at least one 'mixer' op (the model's sequence mixer)")
    for i, op in enumerate(ops[:-1]):
        if op.id not in consumed:
            _raise_at(
                (*where, i, "id"),
                f"op '{op.id}' is a dangling branch: nothing reads its output (list it in a later op's 'in')",
            )


class BlockSpecError(ValueError):
    """A block that is valid on its own but wrong in context (extends target, inherited edits).

    ``path`` is relative to the model's ``block`` mapping, e.g. ('extends',) or ('override', 2, 'id').
    """

    def __init__(self, model_id: str, path: tuple, message: str):
        self.model_id, self.path, self.message = model_id, path, message
        super().__init__(f"model '{model_id}': block{format_path(path)}: {message}")


def format_path(path: tuple) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path)


class ResolvedBlock(_Strict):
    """A block with ``extends`` applied: the full op list plus where each piece came from."""

    model_id: str
    ops: list[Op]
    recurrence: str | None
    norm_position: Literal["pre", "post", "none"] | None
    memory: MemorySpec | None
    chain: list[str] = Field(description="model ids from this model up its extends chain")
    differences: str | None
    source: str | None


def resolve_block(model_id: str, blocks: Mapping[str, BlockSpec]) -> ResolvedBlock:
    """Apply ``extends`` (recursively) and return the full block; errors name the model and the path."""
    chain = [model_id]
    spec = blocks[model_id]
    while spec.extends is not None:
        parent = spec.extends
        if parent not in blocks:
            raise BlockSpecError(
                chain[-1],
                ("extends",),
                f"extends '{parent}', which has no block (or no "
                f"model with that id); known ids: {', '.join(sorted(blocks))}",
            )
        if parent in chain:
            raise BlockSpecError(chain[-1], ("extends",), f"extends cycle: {' -> '.join([*chain, parent])}")
        chain.append(parent)
        spec = blocks[parent]
    ops = [op.model_copy(deep=True) for op in spec.ops or []]
    recurrence, norm_pos, memory, source = spec.recurrence, spec.norm_position, spec.memory, spec.source
    for mid in reversed(chain[:-1]):  # apply the edits from the root down to this model
        child = blocks[mid]
        ids = [o.id for o in ops]
        for j, rid in enumerate(child.remove):
            if rid not in ids:
                raise BlockSpecError(
                    mid,
                    ("remove", j),
                    f"removes '{rid}', which '{child.extends}' does not have; its ops: {', '.join(ids)}",
                )
        ops = [o for o in ops if o.id not in child.remove]
        for j, new in enumerate(child.override):
            pos = next((k for k, o in enumerate(ops) if o.id == new.id), None)
            if pos is None:
                raise BlockSpecError(
                    mid,
                    ("override", j, "id"),
                    f"overrides '{new.id}', which the inherited "
                    f"block does not have; its ops: {', '.join(o.id for o in ops)}",
                )
            ops[pos] = new
        for j, new in enumerate(child.add):
            pos = next((k for k, o in enumerate(ops) if o.id == new.after), None)
            if pos is None:
                raise BlockSpecError(
                    mid,
                    ("add", j, "after"),
                    f"adds '{new.id}' after '{new.after}', which "
                    f"is not an op id here; ops: {', '.join(o.id for o in ops)}",
                )
            ops.insert(pos + 1, new.model_copy(update={"after": None}))
        recurrence = child.recurrence or recurrence
        norm_pos = child.norm_position or norm_pos
        memory = child.memory or memory
        source = child.source or source
        try:
            check_graph(ops)
        except pydantic_core.ValidationError as err:
            e = err.errors()[0]
            raise BlockSpecError(
                mid,
                ("extends",),
                f"after applying its edits to '{child.extends}': "
                f"{format_path(tuple(e['loc']))[1:]}: {e['msg']}",
            ) from None
    return ResolvedBlock(
        model_id=model_id,
        ops=ops,
        recurrence=recurrence,
        norm_position=norm_pos,
        memory=memory,
        chain=chain,
        differences=blocks[model_id].differences,
        source=source,
    )


# ----------------------------------------------------------------------------------------------------
# Hybrids


class PaperRef(_Strict):
    title: str = Field(description="exactly as on arXiv / the publisher (or the model card's title)")
    authors: list[str] = Field(
        min_length=1, description="in paper order; team reports with very long lists may end with 'et al.'"
    )
    arxiv: str | None = Field(default=None, pattern=r"^\d{4}\.\d{4,5}$")
    url: str | None = Field(default=None, pattern=r"^https://")

    @model_validator(mode="after")
    def _where(self) -> PaperRef:
        if self.arxiv is None and self.url is None:
            _raise_at(("url",), "give 'arxiv' (NNNN.NNNNN) or 'url' (a report or model card)")
        return self


class MixerSizes(_Strict):
    """Sizes of one mixer type inside a hybrid (what the memory formulas need; see MemorySpec)."""

    heads: int | None = Field(default=None, ge=1)
    kv_heads: int | None = Field(default=None, ge=1, description="KV heads (GQA/MQA); default heads")
    head_dim: int | None = Field(default=None, ge=1, description="key/query head dim d_k")
    head_dim_v: int | None = Field(default=None, ge=1, description="value head dim d_v; default head_dim")
    d_inner: int | None = Field(default=None, ge=1, description="channels of an SSM / RNN layer")
    state_size: int | None = Field(default=None, ge=1, description="N (SSM state per channel) or slots m")
    window: int | None = Field(default=None, ge=1, description="sliding-window length W")
    conv: int | None = Field(default=None, ge=2, description="short-conv kernel width")
    conv_channels: int | None = Field(default=None, ge=1, description="channels the short conv caches")
    # The attention variants that change what a softmax layer keeps or reads (see zoo.memory):
    latent_dim: int | None = Field(
        default=None, ge=1, description="MLA: the compressed KV latent d_c cached per token, not K and V"
    )
    rope_dim: int | None = Field(
        default=None, ge=1, description="MLA: the decoupled RoPE key d_R cached per token beside the latent"
    )
    sink_tokens: int | None = Field(
        default=None, ge=1, description="attention sinks: first tokens kept beside the window (StreamingLLM)"
    )
    selected_tokens: int | None = Field(
        default=None, ge=1, description="sparse selection: tokens each query attends to (top-k); cache kept"
    )
    indexer_dim: int | None = Field(
        default=None, ge=1, description="sparse selection: per-token key the selector keeps and scans (DSA)"
    )
    note: str | None = Field(default=None, max_length=200)

    @model_validator(mode="after")
    def _pairs(self) -> MixerSizes:
        if self.rope_dim is not None and self.latent_dim is None:
            _raise_at(("rope_dim",), "rope_dim is the RoPE key kept beside an MLA latent: give latent_dim")
        if self.sink_tokens is not None and self.window is None:
            _raise_at(("sink_tokens",), "sink tokens are kept beside a sliding window: give window too")
        return self


class HybridLayer(_Strict):
    """One sublayer kind in a stack: a zoo mixer, a feed-forward, or a mixer followed by a feed-forward."""

    mixer: str | None = Field(default=None, description="zoo model id of the sequence mixer")
    label: str | None = Field(default=None, max_length=24, description="name used in the paper (MLA, ...)")
    ffn: Literal["mlp", "moe"] | None = None
    count: int = Field(default=1, ge=1, description="consecutive copies")
    shared: bool = Field(default=False, description="weights shared between all copies (Zamba)")
    parallel: str | None = Field(
        default=None,
        description="zoo model id of a second mixer that runs beside 'mixer' in the same layer, on the "
        "same input, their outputs combined (Falcon-H1's attention and SSM heads); the layer counts once",
    )
    parallel_label: str | None = Field(default=None, max_length=24, description="its name in the paper")
    sizes: MixerSizes | None = Field(
        default=None,
        description="settings of these layers' mixer that differ from the stack's 'sizes' for it, e.g. "
        "{window: 128} for the sliding layers of a stack whose other layers of that mixer see everything",
    )
    reuses_cache: bool = Field(
        default=False,
        description="the mixer reads the KV cache kept by the nearest layer below with the same mixer "
        "and keeps none itself (YOCO's cross-decoder, Hymba's paired layers)",
    )

    def mixer_ids(self) -> list[str]:
        """The zoo mixers of this layer: its mixer, and the one beside it if any."""
        return [m for m in (self.mixer, self.parallel) if m]

    @model_validator(mode="after")
    def _something(self) -> HybridLayer:
        if self.mixer is None and self.ffn is None:
            _raise_at(("mixer",), "a layer needs a 'mixer' (zoo id), an 'ffn' (mlp | moe), or both")
        if self.mixer is not None and not _ZOO_ID.match(self.mixer):
            _raise_at(("mixer",), f"mixer must be a zoo model id (kebab-case), got {self.mixer!r}")
        if self.parallel is not None and (self.mixer is None or not _ZOO_ID.match(self.parallel)):
            _raise_at(("parallel",), "'parallel' is a zoo model id run beside this layer's 'mixer'")
        if self.sizes is not None and self.mixer is None:
            _raise_at(("sizes",), "'sizes' are settings of this layer's 'mixer': give 'mixer'")
        if self.parallel_label is not None and self.parallel is None:
            _raise_at(("parallel_label",), "'parallel_label' names the 'parallel' mixer: give 'parallel'")
        if self.reuses_cache and self.mixer is None:
            _raise_at(("reuses_cache",), "'reuses_cache' is said of this layer's 'mixer': give 'mixer'")
        return self


class StackGroup(_Strict):
    repeat: int = Field(default=1, ge=1)
    layers: list[HybridLayer] = Field(min_length=1)


class HybridSpec(_Strict):
    """A published hybrid model as a stack of zoo mixers and feed-forwards."""

    id: str = Field(pattern=_ZOO_ID.pattern)
    name: str
    org: str | None = None
    paper: PaperRef | None = None
    year: int = Field(ge=2015, le=2100)
    venue: str | None = None
    paper_from: str | None = Field(
        default=None,
        description="zoo model id whose paper also introduces this hybrid (instead of repeating 'paper')",
    )
    params: str | None = Field(default=None, description="as published, e.g. '52B total, 12B active'")
    layer_unit: Literal["block", "sublayer"] = Field(
        default="block",
        description="how the paper counts layers: 'block' = mixer + FFN pairs, "
        "'sublayer' = mixers and FFNs counted separately",
    )
    n_layers: int = Field(ge=1, description="layer count as the paper states it (checked against the stack)")
    d_model: int = Field(ge=1)
    vocab: int | None = None
    context: int | None = Field(default=None, description="training / advertised context length")
    sizes: dict[str, MixerSizes] = Field(description="zoo mixer id -> its sizes in this model")
    stack: list[StackGroup] | None = Field(default=None, description="the layers bottom to top, as groups")
    pattern: str | None = Field(
        default=None,
        description="alternative to 'stack': one character per layer, "
        "as released configs write it (e.g. 'M-M*-')",
    )
    legend: dict[str, HybridLayer] = Field(default_factory=dict, description="pattern character -> layer")
    ratio: str = Field(description="the ratio as the paper states it, e.g. '1 attention : 7 Mamba'")
    summary: str = Field(max_length=400)
    source: str | None = Field(default=None, max_length=300, description="where the numbers come from")

    def layers(self) -> list[HybridLayer]:
        """The full stack, one entry per sublayer-kind copy (count expanded), bottom to top."""
        out: list[HybridLayer] = []
        if self.pattern is not None:
            return [
                self.legend[ch].model_copy(update={"count": 1}) for ch in self.pattern if ch in self.legend
            ]
        for g in self.stack or []:
            for _ in range(g.repeat):
                for lay in g.layers:
                    out.extend(lay.model_copy(update={"count": 1}) for _ in range(lay.count))
        return out

    def sizes_of(self, lay: HybridLayer, mixer: str) -> MixerSizes:
        """The sizes of ``mixer`` in layer ``lay``: the stack's sizes for it, with the layer's own settings
        (``lay.sizes``, for its main mixer) on top. One fact, one place: what all layers of a mixer share is
        in ``sizes``, what only some have is on those layers."""
        base = self.sizes[mixer]
        if mixer != lay.mixer or lay.sizes is None:
            return base
        return MixerSizes.model_validate(
            base.model_dump(exclude_none=True) | lay.sizes.model_dump(exclude_none=True, exclude={"note"})
        )

    def mixer_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for lay in self.layers():
            key = lay.mixer or lay.ffn or "?"
            counts[key] = counts.get(key, 0) + 1
        return counts

    @model_validator(mode="after")
    def _consistent(self) -> HybridSpec:
        if (self.stack is None) == (self.pattern is None):
            _raise_at(("stack",), "give either 'stack' (groups of layers) or 'pattern' + 'legend'")
        if self.pattern is not None:
            unknown = sorted(set(self.pattern) - set(self.legend))
            if unknown:
                _raise_at(("pattern",), f"pattern characters {unknown} have no entry in 'legend'")
        if (self.paper is None) == (self.paper_from is None):
            _raise_at(("paper",), "give either 'paper' or 'paper_from: <zoo model id>', not both or neither")
        # re-applications of one shared block (Zamba) are not separate layers in the paper's count
        lays = [lay for lay in self.layers() if not lay.shared]
        if self.layer_unit == "block":
            n = sum(1 for lay in lays if lay.mixer is not None)
        else:
            n = sum((lay.mixer is not None) + (lay.ffn is not None) for lay in lays)
        if n != self.n_layers:
            _raise_at(("stack",), f"the stack has {n} {self.layer_unit}s but n_layers says {self.n_layers}")
        used = {m for lay in self.layers() for m in lay.mixer_ids()}
        for m in sorted(used - set(self.sizes)):
            _raise_at(("sizes",), f"mixer '{m}' is used in the stack but has no entry in 'sizes'")
        for m in self.sizes:
            if m not in used:
                _raise_at(("sizes", m), f"sizes given for '{m}', which the stack does not use")
        keeps: set[str] = set()  # mixers with a layer so far that keeps its own cache
        for lay in self.layers():
            if lay.reuses_cache and lay.mixer not in keeps:
                _raise_at(
                    ("stack",),
                    f"a '{lay.mixer}' layer reuses a cache, but no '{lay.mixer}' layer below keeps one",
                )
            if lay.mixer and not lay.reuses_cache:
                keeps.add(lay.mixer)
        for lay in self.layers():
            if lay.sizes is not None:
                try:
                    self.sizes_of(lay, lay.mixer)
                except pydantic_core.ValidationError as err:
                    _raise_at(
                        ("stack",),
                        f"layer sizes of '{lay.mixer}' on top of the stack's: {err.errors()[0]['msg']}",
                    )
        return self


def check_hybrid_mixers(hybrids: list[HybridSpec], model_ids: set[str]) -> list[tuple[tuple, str]]:
    """Cross-check: every mixer id in every stack is a zoo model. Returns (path, message) pairs."""
    problems = []

    def check(path: tuple, hyb: HybridSpec, lay: HybridLayer) -> None:
        for key in ("mixer", "parallel"):
            mid = getattr(lay, key)
            if mid is not None and mid not in model_ids:
                problems.append(((*path, key), f"hybrid '{hyb.id}': {key} '{mid}' is not a zoo model id"))

    for h, hyb in enumerate(hybrids):
        for ch, lay in hyb.legend.items():
            check((h, "legend", ch), hyb, lay)
        if hyb.paper_from is not None and hyb.paper_from not in model_ids:
            problems.append(
                ((h, "paper_from"), f"hybrid '{hyb.id}': paper_from '{hyb.paper_from}' is not a zoo model id")
            )
        for g, grp in enumerate(hyb.stack or []):
            for j, lay in enumerate(grp.layers):
                check((h, "stack", g, "layers", j), hyb, lay)
    return problems


def check_blocks(blocks: Mapping[str, BlockSpec]) -> list[BlockSpecError]:
    """Resolve every block (extends chains, inherited edits); return the problems instead of raising.

    For the registry's cross-checks: each error has ``model_id`` and ``path`` relative to that model's
    ``block`` mapping, so the caller can point at the YAML line of ('models', i, 'block', *path).
    """
    problems = []
    for mid in blocks:
        try:
            resolve_block(mid, blocks)
        except BlockSpecError as err:
            problems.append(err)
    return problems
