"""The social preview image (og:image), drawn at build time from the models' own mixing matrices.

No imaging library is needed: the picture is a numpy RGB array (flat colours, a 5x7 pixel font scaled up,
one small heatmap per model) written as a PNG with zlib. 1200 x 630 is the size link previews expect.
"""

from __future__ import annotations

import struct
import zlib

import numpy as np

WIDTH, HEIGHT = 1200, 630

# 5x7 glyphs, one string of five 0/1 per row; only the characters the image writes.
GLYPHS = {
    "A": ["01110", "10001", "10001", "11111", "10001", "10001", "10001"],
    "B": ["11110", "10001", "10001", "11110", "10001", "10001", "11110"],
    "C": ["01111", "10000", "10000", "10000", "10000", "10000", "01111"],
    "D": ["11110", "10001", "10001", "10001", "10001", "10001", "11110"],
    "E": ["11111", "10000", "10000", "11110", "10000", "10000", "11111"],
    "F": ["11111", "10000", "10000", "11110", "10000", "10000", "10000"],
    "G": ["01111", "10000", "10000", "10011", "10001", "10001", "01111"],
    "H": ["10001", "10001", "10001", "11111", "10001", "10001", "10001"],
    "I": ["11111", "00100", "00100", "00100", "00100", "00100", "11111"],
    "K": ["10001", "10010", "10100", "11000", "10100", "10010", "10001"],
    "L": ["10000", "10000", "10000", "10000", "10000", "10000", "11111"],
    "M": ["10001", "11011", "10101", "10101", "10001", "10001", "10001"],
    "N": ["10001", "11001", "10101", "10011", "10001", "10001", "10001"],
    "O": ["01110", "10001", "10001", "10001", "10001", "10001", "01110"],
    "P": ["11110", "10001", "10001", "11110", "10000", "10000", "10000"],
    "R": ["11110", "10001", "10001", "11110", "10100", "10010", "10001"],
    "S": ["01111", "10000", "10000", "01110", "00001", "00001", "11110"],
    "T": ["11111", "00100", "00100", "00100", "00100", "00100", "00100"],
    "U": ["10001", "10001", "10001", "10001", "10001", "10001", "01110"],
    "V": ["10001", "10001", "10001", "10001", "10001", "01010", "00100"],
    "W": ["10001", "10001", "10001", "10101", "10101", "10101", "01010"],
    "Y": ["10001", "10001", "01010", "00100", "00100", "00100", "00100"],
    "Z": ["11111", "00001", "00010", "00100", "01000", "10000", "11111"],
    "0": ["01110", "10001", "10011", "10101", "11001", "10001", "01110"],
    "1": ["00100", "01100", "00100", "00100", "00100", "00100", "01110"],
    "2": ["01110", "10001", "00001", "00010", "00100", "01000", "11111"],
    "3": ["11110", "00001", "00001", "01110", "00001", "00001", "11110"],
    "4": ["00010", "00110", "01010", "10010", "11111", "00010", "00010"],
    "5": ["11111", "10000", "11110", "00001", "00001", "10001", "01110"],
    "6": ["00110", "01000", "10000", "11110", "10001", "10001", "01110"],
    "7": ["11111", "00001", "00010", "00100", "01000", "01000", "01000"],
    "8": ["01110", "10001", "10001", "01110", "10001", "10001", "01110"],
    "9": ["01110", "10001", "10001", "01111", "00001", "00010", "01100"],
    ",": ["00000", "00000", "00000", "00000", "00110", "00100", "01000"],
    "-": ["00000", "00000", "00000", "01110", "00000", "00000", "00000"],
    " ": ["00000"] * 7,
}

INK = (16, 32, 43)  # the header colour of the site (theme.css --zoo-ink)
PAPER = (246, 241, 232)
ACCENT = (224, 122, 63)
MUTED = (150, 170, 178)


def png(rgb: np.ndarray) -> bytes:
    """Encode an (h, w, 3) uint8 array as a PNG (8-bit truecolour, filter 0 on every row)."""
    h, w, _ = rgb.shape
    raw = b"".join(b"\x00" + rgb[y].tobytes() for y in range(h))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )


def text(img: np.ndarray, s: str, x: int, y: int, scale: int, colour) -> int:
    """Write ``s`` (upper-cased) at (x, y) with glyphs ``scale`` pixels per dot; returns the end x."""
    for ch in s.upper():
        if ch not in GLYPHS:
            raise ValueError(f"the social image font has no glyph for {ch!r}")
        for r, row in enumerate(GLYPHS[ch]):
            for c, bit in enumerate(row):
                if bit == "1":
                    img[y + r * scale : y + (r + 1) * scale, x + c * scale : x + (c + 1) * scale] = colour
        x += 6 * scale
    return x


def diverging(value: float, stops) -> tuple[int, int, int]:
    """Colour of ``value`` in [0, 1] on a Plotly-style colourscale [[pos, '#rrggbb'], ...]."""
    for (p0, c0), (p1, c1) in zip(stops, stops[1:], strict=False):
        if value <= p1:
            t = 0.0 if p1 == p0 else (value - p0) / (p1 - p0)
            a = [int(c0[i : i + 2], 16) for i in (1, 3, 5)]
            b = [int(c1[i : i + 2], 16) for i in (1, 3, 5)]
            return tuple(round(u + (v - u) * t) for u, v in zip(a, b, strict=True))
    return tuple(int(stops[-1][1][i : i + 2], 16) for i in (1, 3, 5))


def image(matrices: list[np.ndarray], colourscale, n_models: int, years: tuple[int, int]) -> bytes:
    """The preview: title and subtitle on the left, a mosaic of the models' mixing matrices on the right."""
    img = np.empty((HEIGHT, WIDTH, 3), dtype=np.uint8)
    img[:] = INK
    img[:, :12] = ACCENT
    text(img, "ATTENTION", 64, 150, 11, PAPER)
    text(img, "ZOO", 64, 250, 11, ACCENT)
    text(img, f"{n_models} MODELS, {years[0]}-{years[1]}", 68, 390, 4, MUTED)
    text(img, "ONE KEY-VALUE MEMORY", 68, 440, 4, MUTED)
    text(img, "LIVE IN THE BROWSER", 68, 490, 4, MUTED)

    # Mosaic: 6 columns of 8x8 matrices, each cell 8 px, drawn in the site's diverging colours.
    cell, gap, cols = 8, 14, 6
    size = 8 * cell
    x0, y0 = WIDTH - cols * (size + gap) - 40, 40
    for i, A in enumerate(matrices[: cols * 8]):
        top, left = y0 + (i // cols) * (size + gap), x0 + (i % cols) * (size + gap)
        if top + size > HEIGHT - 30:
            break
        A = np.asarray(A, dtype=float)[:8, :8]
        zmax = float(np.max(np.abs(A))) or 1.0
        for r in range(A.shape[0]):
            for c in range(A.shape[1]):
                colour = diverging(0.5 + 0.5 * A[r, c] / zmax, colourscale) if c <= r else INK
                img[top + r * cell : top + (r + 1) * cell, left + c * cell : left + (c + 1) * cell] = colour
    return png(img)
