"""Read colour, shape, size and position back from a generated scene's pixels.

The same algorithm is implemented in TypeScript in src/inference/eval/scene-reader.ts;
keep the two in step (constants included).

  1. background = per-channel median of the 1-pixel border ring;
  2. d = RGB distance of each pixel from the background; the shape mask is
     d > max(MIN_DIST, 0.5 * 99th percentile of d) (half coverage = the true edge);
  3. keep the largest 4-connected component (stray specks are ignored);
  4. colour = mean RGB of the component's pixels with d >= their median d, nearest palette entry;
  5. bounding box = 1st..99th percentile of the blob's x and y (stray attached pixels ignored);
     shape: a triangle if its bounding box's top half holds under TRIANGLE_TAPER of what the
     bottom half holds (or the box is under TRIANGLE_FILL full); else a square if the box is over
     SQUARE_FILL full or at least 3 of its corner pixels are set; else a circle;
  6. size = longest bounding-box side turned into the generator's radius (per shape);
  7. position = bounding-box centre offset from the image centre: under CENTER_TOLERANCE of the width
     is "center", else the dominant axis decides left/right/top/bottom.
"""
from __future__ import annotations

import numpy as np

from data import COLOURS

# The generator's palette, so reader and generator cannot drift apart.
PALETTE = COLOURS
MIN_DIST = 48.0
BOX_TRIM = 0.01
SQUARE_FILL = 0.86
TRIANGLE_FILL = 0.56
TRIANGLE_TAPER = 0.6
CENTER_TOLERANCE = 3.0 / 32.0
RADIUS_PER_SIDE = {"circle": 2.0, "square": 1.76, "triangle": 1.9}
SMALL_MAX_RADIUS = 5.3
LARGE_MIN_RADIUS = 7.7


def _quantile(values: np.ndarray, q: float) -> float:
    # Nearest-rank on the sorted values, so TypeScript gets the same number.
    s = np.sort(values.ravel())
    return float(s[min(len(s) - 1, int(q * (len(s) - 1) + 0.5))])


def _median(values: np.ndarray) -> float:
    return _quantile(values, 0.5)


def _largest_component(mask: np.ndarray) -> np.ndarray:
    h, w = mask.shape
    labels = np.zeros((h, w), dtype=np.int32)
    best, best_size, label = 0, 0, 0
    for y in range(h):
        for x in range(w):
            if not mask[y, x] or labels[y, x]:
                continue
            label += 1
            stack, size = [(y, x)], 0
            labels[y, x] = label
            while stack:
                cy, cx = stack.pop()
                size += 1
                for ny, nx in ((cy - 1, cx), (cy + 1, cx), (cy, cx - 1), (cy, cx + 1)):
                    if 0 <= ny < h and 0 <= nx < w and mask[ny, nx] and not labels[ny, nx]:
                        labels[ny, nx] = label
                        stack.append((ny, nx))
            if size > best_size:  # first-found wins ties (scan order), as in TS
                best, best_size = label, size
    return labels == best if best else np.zeros_like(mask)


def read_scene(img: np.ndarray) -> dict:
    """img uint8 [H, W, 3] -> {colour, shape, size, position} (None where nothing is found)."""
    px = img.astype(np.float64)
    h, w, _ = px.shape
    ring = np.concatenate([px[0], px[-1], px[1:-1, 0], px[1:-1, -1]])
    bg = np.array([_median(ring[:, c]) for c in range(3)])
    d = np.sqrt(((px - bg) ** 2).sum(axis=2))
    thr = max(MIN_DIST, 0.5 * _quantile(d, 0.99))
    comp = _largest_component(d > thr)
    area = int(comp.sum())
    if area == 0:
        return {"colour": None, "shape": None, "size": None, "position": None, "area": 0}
    dc = d[comp]
    core = comp & (d >= _median(dc))
    mean = px[core].mean(axis=0)
    colour = min(PALETTE, key=lambda k: float(((mean - np.array(PALETTE[k])) ** 2).sum()))
    ys, xs = np.nonzero(comp)
    # Bounding box from the 1st..99th percentile of the blob's coordinates: a stray row or
    # column of noise stuck to the shape must not stretch the box (undertrained samples).
    x0, x1 = int(_quantile(xs, BOX_TRIM)), int(_quantile(xs, 1 - BOX_TRIM))
    y0, y1 = int(_quantile(ys, BOX_TRIM)), int(_quantile(ys, 1 - BOX_TRIM))
    bw, bh = x1 - x0 + 1, y1 - y0 + 1
    box = comp[y0:y1 + 1, x0:x1 + 1]
    fill = box.sum() / float(bw * bh)
    half = bh // 2  # rows in each half; the middle row of an odd height counts for neither
    top_fill, bottom_fill = box[:half].sum(), box[bh - half:].sum()
    taper = top_fill / max(1.0, float(bottom_fill))
    corners = int(box[0, 0]) + int(box[0, -1]) + int(box[-1, 0]) + int(box[-1, -1])
    if taper < TRIANGLE_TAPER or fill < TRIANGLE_FILL:
        shape = "triangle"
    elif fill > SQUARE_FILL or corners >= 3:
        shape = "square"
    else:
        shape = "circle"
    radius = max(bw, bh) / RADIUS_PER_SIDE[shape]
    size = "small" if radius < SMALL_MAX_RADIUS else "large" if radius > LARGE_MIN_RADIUS else "medium"
    # Bounding-box centre, not the centroid: a triangle's centroid sits low in its box.
    dx = (x0 + x1 + 1) / 2.0 - w / 2.0
    dy = (y0 + y1 + 1) / 2.0 - h / 2.0
    if max(abs(dx), abs(dy)) < CENTER_TOLERANCE * w:
        position = "center"
    elif abs(dx) >= abs(dy):
        position = "left" if dx < 0 else "right"
    else:
        position = "top" if dy < 0 else "bottom"
    return {"colour": colour, "shape": shape, "size": size, "position": position, "area": area,
            "fill": round(fill, 3), "taper": round(float(taper), 3), "corners": corners, "mean_rgb": [round(float(v), 1) for v in mean]}


def score(attrs: dict, read: dict) -> dict:
    """Per-attribute match of one image; size/position default to medium/center when unnamed."""
    want_size = attrs.get("size") or "medium"
    want_pos = attrs.get("position") or "center"
    m = {
        "colour": read["colour"] == attrs["colour"],
        "shape": read["shape"] == attrs["shape"],
        "size": read["size"] == want_size,
        "position": read["position"] == want_pos,
    }
    m["colour_shape"] = m["colour"] and m["shape"]
    m["all"] = all(m[k] for k in ("colour", "shape", "size", "position"))
    return m
