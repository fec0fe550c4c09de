"""Size formulas: how many numbers one layer of a mixer keeps as its recurrent state, written once in its
block spec (``memory.state``, e.g. ``'h (d_k d_v + d_k^2)'``) and turned here into a polynomial that Python
(zoo.memory) and the browser calculator (docs/assets/js/memory.js) both evaluate.

Grammar: sums of products, written as on paper. A product is factors side by side (or joined by ``*``); a
factor is a number, a symbol or a parenthesised sum, with an optional whole power ``^k``.

Symbols (bound by zoo.memory from a mixer's sizes inside a stack):
    h     heads
    d_k   key (and query) head dim
    d_v   value head dim (default d_k)
    D     channels of an SSM / RNN layer (default h d_k)
    N     state size: SSM state per channel, or the number of slots
    L     floor(log2 T) + 1, the Fenwick levels a log-linear layer keeps after T tokens

A polynomial is a list of terms [coefficient, {symbol: power}], which JSON carries as it is.
"""

from __future__ import annotations

import re

SYMBOLS = ("h", "d_k", "d_v", "D", "N", "L")
_TOKEN = re.compile(r"\s*(?:(d_k|d_v|[hDNL])|(\d+)|([+*^()]))")

Poly = dict[tuple[tuple[str, int], ...], int]  # monomial (sorted (symbol, power) pairs) -> coefficient


class FormulaError(ValueError):
    pass


def parse(text: str) -> list[list]:
    """'h (d_k d_v + d_k^2)' -> [[1, {'d_k': 1, 'd_v': 1, 'h': 1}], [1, {'d_k': 2, 'h': 1}]] (expanded)."""
    tokens = _tokens(text)
    poly, rest = _sum(tokens, text)
    if rest:
        raise FormulaError(f"unexpected {rest[0]!r} in size formula {text!r}")
    return [[coef, dict(mono)] for mono, coef in sorted(poly.items()) if coef]


def evaluate(terms: list[list], env: dict[str, int]) -> int:
    """The polynomial's value for the sizes in ``env`` (every symbol the terms use must be bound)."""
    total = 0
    for coef, powers in terms:
        value = coef
        for sym, p in powers.items():
            value *= env[sym] ** p
        total += value
    return total


def _tokens(text: str) -> list[str]:
    out, pos = [], 0
    text = text.rstrip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m:
            raise FormulaError(
                f"size formula {text!r}: cannot read {text[pos:].strip()!r}; use numbers, + * ^ ( ) "
                f"and the symbols {', '.join(SYMBOLS)}"
            )
        out.append(next(g for g in m.groups() if g is not None))
        pos = m.end()
    return out


def _sum(tokens: list[str], text: str) -> tuple[Poly, list[str]]:
    poly, tokens = _product(tokens, text)
    while tokens and tokens[0] == "+":
        more, tokens = _product(tokens[1:], text)
        poly = _add(poly, more)
    return poly, tokens


def _product(tokens: list[str], text: str) -> tuple[Poly, list[str]]:
    poly, tokens = _power(tokens, text)
    while tokens and tokens[0] not in ("+", ")"):
        if tokens[0] == "*":
            tokens = tokens[1:]
        more, tokens = _power(tokens, text)
        poly = _mul(poly, more)
    return poly, tokens


def _power(tokens: list[str], text: str) -> tuple[Poly, list[str]]:
    if not tokens:
        raise FormulaError(f"size formula {text!r} ends too early")
    head, tokens = tokens[0], tokens[1:]
    if head == "(":
        poly, tokens = _sum(tokens, text)
        if not tokens or tokens[0] != ")":
            raise FormulaError(f"size formula {text!r}: a '(' is not closed")
        tokens = tokens[1:]
    elif head.isdigit():
        poly = {(): int(head)}
    elif head in SYMBOLS:
        poly = {((head, 1),): 1}
    else:
        raise FormulaError(f"size formula {text!r}: unexpected {head!r}")
    if tokens and tokens[0] == "^":
        if len(tokens) < 2 or not tokens[1].isdigit():
            raise FormulaError(f"size formula {text!r}: '^' takes a whole number")
        result: Poly = {(): 1}
        for _ in range(int(tokens[1])):
            result = _mul(result, poly)
        poly, tokens = result, tokens[2:]
    return poly, tokens


def _add(a: Poly, b: Poly) -> Poly:
    out = dict(a)
    for mono, coef in b.items():
        out[mono] = out.get(mono, 0) + coef
    return out


def _mul(a: Poly, b: Poly) -> Poly:
    out: Poly = {}
    for ma, ca in a.items():
        for mb, cb in b.items():
            powers = dict(ma)
            for sym, p in mb:
                powers[sym] = powers.get(sym, 0) + p
            mono = tuple(sorted(powers.items()))
            out[mono] = out.get(mono, 0) + ca * cb
    return out
