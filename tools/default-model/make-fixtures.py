"""Write a few drawn scenes as PNG + JSON fixtures for the TypeScript scene-reader test.

    /usr/bin/python3 tools/default-model/make-fixtures.py test/fixtures/scenes [samples.npy]

Each scenes.json row: file, prompt, the drawn attributes, and what reader.py reads back,
so the test can check the TypeScript reader against both the truth and the Python reader.
"""
from __future__ import annotations

import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import data  # noqa: E402
import reader  # noqa: E402
from evaluate import write_png  # noqa: E402

CASES = [
    {"colour": "red", "shape": "circle", "size": None, "position": "left"},
    {"colour": "green", "shape": "square", "size": "large", "position": None},
    {"colour": "blue", "shape": "triangle", "size": "small", "position": "top"},
    {"colour": "yellow", "shape": "circle", "size": "large", "position": "bottom"},
    {"colour": "purple", "shape": "square", "size": "small", "position": "right"},
    {"colour": "orange", "shape": "triangle", "size": None, "position": None},
    {"colour": "white", "shape": "triangle", "size": "large", "position": "left"},
    {"colour": "orange", "shape": "square", "size": None, "position": "bottom"},
    {"colour": "blue", "shape": "circle", "size": "small", "position": "center"},
    {"colour": "purple", "shape": "triangle", "size": None, "position": "right"},
    {"colour": "white", "shape": "circle", "size": None, "position": "top"},
    {"colour": "green", "shape": "triangle", "size": "small", "position": "bottom"},
]


def main() -> None:
    out = sys.argv[1] if len(sys.argv) > 1 else "test/fixtures/scenes"
    os.makedirs(out, exist_ok=True)
    rng = np.random.default_rng(2024)
    rows = []
    for i, attrs in enumerate(CASES):
        img = data.render(attrs, rng)
        name = f"scene-{i:02d}.png"
        write_png(os.path.join(out, name), img)
        read = reader.read_scene(img)
        rows.append({"file": name, "prompt": data.make_prompt(**attrs), "attributes": attrs,
                     "python_read": {k: read[k] for k in ("colour", "shape", "size", "position")}})
    # Optional: samples from a checkpoint (uint8 [N,32,32,3] .npy), to pin the TypeScript reader to
    # the Python one on noisy, lumpy generated images too (no ground truth, only agreement).
    generated = []
    if len(sys.argv) > 2:
        for i, img in enumerate(np.load(sys.argv[2])):
            name = f"generated-{i:02d}.png"
            write_png(os.path.join(out, name), img)
            read = reader.read_scene(img)
            generated.append({"file": name, "python_read": {k: read[k] for k in ("colour", "shape", "size", "position")}})
    with open(os.path.join(out, "scenes.json"), "w") as f:
        json.dump({"generator": "tools/default-model/make-fixtures.py (data.render, seed 2024)", "scenes": rows,
                   "generated": generated}, f, indent=2)
        f.write("\n")
    for r in rows:
        print(r["prompt"], r["python_read"])


if __name__ == "__main__":
    main()
