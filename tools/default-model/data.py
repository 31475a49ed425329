"""Procedural 32x32 scenes for the shipped default model (shapes-v1).

One anti-aliased shape (circle, square, triangle) in one of seven colours on a
dark, varied background.  The prompt names the colour and shape, optionally a
size (small/large) and a position (left/right/top/bottom/center).  A prompt
without a size word draws a medium shape; one without a position word draws it
near the centre, so every word has a visible meaning.

Everything is deterministic given a seed (numpy Generator).  Build-time only.
"""
from __future__ import annotations

import re

import numpy as np

SIZE = 32
COLOURS = {
    "red": (220, 40, 40),
    "green": (40, 190, 60),
    "blue": (50, 90, 235),
    "yellow": (235, 220, 50),
    "purple": (155, 60, 205),
    "orange": (245, 140, 30),
    "white": (240, 240, 240),
}
COLOUR_NAMES = list(COLOURS)
SHAPES = ["circle", "square", "triangle"]
SIZES = ["small", "large"]
POSITIONS = ["left", "right", "top", "bottom", "center"]
POSITION_PHRASE = {
    "left": "on the left",
    "right": "on the right",
    "top": "at the top",
    "bottom": "at the bottom",
    "center": "in the center",
}
# Radius (circle) / half-extent of each size class, in pixels.
RADIUS = {"small": (3.5, 4.8), "medium": (5.8, 7.2), "large": (8.2, 9.6)}

PAD, UNK = "[PAD]", "[UNK]"
WORDS = ["a", "an"] + SIZES + COLOUR_NAMES + SHAPES + ["on", "at", "in", "the"] + POSITIONS
VOCAB = [PAD, UNK] + WORDS
MAX_TOKENS = 8
SUPERSAMPLE = 4


def tokenize(prompt: str) -> list[int]:
    """Word-level ids padded/truncated to MAX_TOKENS; same rules as tokenizer.json."""
    index = {w: i for i, w in enumerate(VOCAB)}
    # The Whitespace pre-tokenizer of HF tokenizers splits on \w+|[^\w\s]+
    ids = [index.get(w, 1) for w in re.findall(r"\w+|[^\w\s]+", prompt.lower())][:MAX_TOKENS]
    return ids + [0] * (MAX_TOKENS - len(ids))


def make_prompt(colour: str, shape: str, size: str | None, position: str | None) -> str:
    words = [size] if size else []
    words += [colour, shape]
    words.insert(0, "an" if words[0][0] in "aeiou" else "a")
    if position:
        words.append(POSITION_PHRASE[position])
    return " ".join(words)


def sample_attributes(rng: np.random.Generator) -> dict:
    """Random scene description: about 60 % of prompts name a size, 60 % a position."""
    colour = COLOUR_NAMES[rng.integers(len(COLOUR_NAMES))]
    shape = SHAPES[rng.integers(len(SHAPES))]
    size = SIZES[rng.integers(2)] if rng.random() < 0.6 else None
    position = None
    if rng.random() < 0.6:
        # "center" is the default anyway; spell it out rarely.
        position = POSITIONS[rng.integers(4)] if rng.random() < 0.9 else "center"
    return {"colour": colour, "shape": shape, "size": size, "position": position}


def _centre(rng: np.random.Generator, position: str | None, r: float) -> tuple[float, float]:
    c = SIZE / 2.0
    edge_lo = r + 1.0  # keep the whole shape inside the image
    if position in (None, "center"):
        return c + rng.uniform(-1.5, 1.5), c + rng.uniform(-1.5, 1.5)
    along = c + rng.uniform(-2.0, 2.0)
    off = min(edge_lo + rng.uniform(0.0, 2.0), c - 4.5)
    if position == "left":
        return off, along
    if position == "right":
        return SIZE - off, along
    if position == "top":
        return along, off
    return along, SIZE - off  # bottom


def _coverage(shape: str, cx: float, cy: float, r: float) -> np.ndarray:
    """Anti-aliased coverage in [0,1], by supersampling."""
    n = SIZE * SUPERSAMPLE
    g = (np.arange(n) + 0.5) / SUPERSAMPLE
    x, y = np.meshgrid(g, g)
    if shape == "circle":
        inside = (x - cx) ** 2 + (y - cy) ** 2 <= r * r
    elif shape == "square":
        h = r * 0.88
        inside = (np.abs(x - cx) <= h) & (np.abs(y - cy) <= h)
    else:  # upward triangle with its bounding box centred on (cx, cy)
        h = r * 0.95
        top, bottom = cy - h, cy + h
        t = (y - top) / (2 * h)  # 0 at apex, 1 at base
        inside = (y >= top) & (y <= bottom) & (np.abs(x - cx) <= t * h * 1.1)
    cov = inside.reshape(SIZE, SUPERSAMPLE, SIZE, SUPERSAMPLE).mean(axis=(1, 3))
    return cov.astype(np.float32)


def _background(rng: np.random.Generator) -> np.ndarray:
    base = rng.uniform(5, 55, size=3)
    tint = rng.uniform(-18, 18, size=3)
    ang = rng.uniform(0, 2 * np.pi)
    g = np.linspace(-1, 1, SIZE)
    x, y = np.meshgrid(g, g)
    ramp = (np.cos(ang) * x + np.sin(ang) * y)[..., None]
    img = base + ramp * tint
    # Low-frequency blotches: upsampled 4x4 noise.
    blot = rng.normal(0, 6, size=(4, 4, 3))
    blot = np.kron(blot, np.ones((8, 8, 1)))
    img = img + blot + rng.normal(0, 2.5, size=(SIZE, SIZE, 3))
    return np.clip(img, 0, 80)


def render(attrs: dict, rng: np.random.Generator) -> np.ndarray:
    """uint8 HxWx3 image for a scene description."""
    size = attrs["size"] or "medium"
    r = rng.uniform(*RADIUS[size])
    cx, cy = _centre(rng, attrs["position"], r)
    cov = _coverage(attrs["shape"], cx, cy, r)[..., None]
    colour = np.array(COLOURS[attrs["colour"]], dtype=np.float64)
    colour = np.clip(colour + rng.normal(0, 8, size=3), 0, 255)
    shade = 1.0 + rng.uniform(-0.08, 0.08)
    img = _background(rng) * (1 - cov) + colour * shade * cov
    return np.clip(img + 0.5, 0, 255).astype(np.uint8)


def sample(rng: np.random.Generator) -> tuple[np.ndarray, str, dict]:
    attrs = sample_attributes(rng)
    return render(attrs, rng), make_prompt(**attrs), attrs


def batch(seed: int, n: int) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """(images float32 [n,3,32,32] in [-1,1], token ids int64 [n,8], prompts)."""
    rng = np.random.default_rng(seed)
    imgs, ids, prompts = [], [], []
    for _ in range(n):
        img, prompt, _ = sample(rng)
        imgs.append(img)
        prompts.append(prompt)
        ids.append(tokenize(prompt))
    x = np.stack(imgs).astype(np.float32).transpose(0, 3, 1, 2) / 127.5 - 1.0
    return x, np.array(ids, dtype=np.int64), prompts


def eval_prompts(n: int, seed: int = 1234) -> list[dict]:
    """A balanced list of scene descriptions for measuring prompt match."""
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        attrs = {
            "colour": COLOUR_NAMES[i % len(COLOUR_NAMES)],
            "shape": SHAPES[i % len(SHAPES)],
            "size": [None, "small", "large"][rng.integers(3)],
            "position": [None, "left", "right", "top", "bottom"][(i // 3) % 5],
        }
        out.append(attrs)
    return out


if __name__ == "__main__":
    import sys

    x, ids, prompts = batch(int(sys.argv[1]) if len(sys.argv) > 1 else 0, 8)
    for p, i in zip(prompts, ids):
        print(p, i.tolist())
    print(len(VOCAB), "words:", VOCAB)
