"""Score a shapes-v1 checkpoint: sample N prompts, read the scenes back, count matches.

    /usr/bin/python3 tools/default-model/evaluate.py --ckpt /root/.cache/diffscope-train/ckpt.pt \
        --n 48 --json /root/.cache/diffscope-train/eval.json --grid /tmp/grid.png

Sampler: DDIM (eta 0, "leading" spacing, steps_offset 1, set_alpha_to_one false, clip_sample
to [-1, 1]) with the noise estimate recomputed from the clipped x0 (diffusers'
use_clipped_model_output=True), classifier-free guidance as one batch of two.
"""
from __future__ import annotations

import argparse
import json
import os
import struct
import sys
import time
import zlib

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import data  # noqa: E402
import reader  # noqa: E402
import train  # noqa: E402
from model import ShapesModel  # noqa: E402


def ddim_timesteps(steps: int, offset: int = 1) -> list[int]:
    ratio = train.T // steps
    return [int(t) + offset for t in (np.arange(0, steps) * ratio).round()[::-1]]


@torch.no_grad()
def sample(model: ShapesModel, prompts: list[str], seeds: list[int], steps: int = 50, cfg: float = 6.0) -> np.ndarray:
    """uint8 [N, 32, 32, 3]."""
    ac = train.alphas_cumprod().double()
    ids = torch.tensor([data.tokenize(p) for p in prompts], dtype=torch.int64)
    ctx = model.text(torch.cat([torch.zeros_like(ids), ids]))
    x = torch.stack([torch.randn(3, 32, 32, generator=torch.Generator().manual_seed(s)) for s in seeds]).double()
    ratio = train.T // steps
    for t in ddim_timesteps(steps):
        tt = torch.full((2 * len(prompts),), t, dtype=torch.int64)
        e_u, e_c = model.unet(torch.cat([x, x]).float(), tt, ctx).double().chunk(2)
        eps = e_u + cfg * (e_c - e_u)
        a = ac[t]
        prev = t - ratio
        a_prev = ac[prev] if prev >= 0 else ac[0]
        x0 = ((x - (1 - a).sqrt() * eps) / a.sqrt()).clamp(-1, 1)
        eps = (x - a.sqrt() * x0) / (1 - a).sqrt()  # use_clipped_model_output
        x = a_prev.sqrt() * x0 + (1 - a_prev).sqrt() * eps
    img = ((x.clamp(-1, 1) + 1) * 127.5 + 0.5).clamp(0, 255).to(torch.uint8)
    return img.permute(0, 2, 3, 1).numpy()


def write_png(path: str, img: np.ndarray) -> None:
    """Minimal RGB PNG writer (no PIL needed at build time)."""
    h, w, _ = img.shape
    raw = b"".join(b"\x00" + img[y].tobytes() for y in range(h))

    def chunk(tag: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + tag + body + struct.pack(">I", zlib.crc32(tag + body) & 0xFFFFFFFF)

    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
    png += chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")
    with open(path, "wb") as f:
        f.write(png)


def grid(imgs: np.ndarray, cols: int, scale: int = 4, gap: int = 2) -> np.ndarray:
    n, h, w, _ = imgs.shape
    rows = (n + cols - 1) // cols
    out = np.full((rows * (h + gap) + gap, cols * (w + gap) + gap, 3), 255, dtype=np.uint8)
    for i, im in enumerate(imgs):
        r, c = divmod(i, cols)
        out[gap + r * (h + gap):gap + r * (h + gap) + h, gap + c * (w + gap):gap + c * (w + gap) + w] = im
    return out.repeat(scale, axis=0).repeat(scale, axis=1)


def evaluate(model: ShapesModel, n: int, steps: int, cfg: float, batch: int = 16, seed: int = 1234):
    attrs = data.eval_prompts(n, seed)
    prompts = [data.make_prompt(**a) for a in attrs]
    seeds = [seed * 1000 + i for i in range(n)]
    imgs = np.concatenate([sample(model, prompts[i:i + batch], seeds[i:i + batch], steps, cfg)
                           for i in range(0, n, batch)])
    rows, totals = [], {}
    for a, p, im in zip(attrs, prompts, imgs):
        r = reader.read_scene(im)
        m = reader.score(a, r)
        rows.append({"prompt": p, "read": {k: r[k] for k in ("colour", "shape", "size", "position")}, "match": m})
        for k, v in m.items():
            totals[k] = totals.get(k, 0) + int(v)
    # Position is scored only where the prompt names a side, size only where it names one.
    named_pos = [r for r, a in zip(rows, attrs) if a["position"]]
    named_size = [r for r, a in zip(rows, attrs) if a["size"]]
    rates = {k: round(v / n, 3) for k, v in totals.items()}
    rates["position_named"] = round(sum(r["match"]["position"] for r in named_pos) / max(1, len(named_pos)), 3)
    rates["size_named"] = round(sum(r["match"]["size"] for r in named_size) / max(1, len(named_size)), 3)
    return imgs, rows, rates


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--ckpt", default="/root/.cache/diffscope-train/ckpt.pt")
    ap.add_argument("--n", type=int, default=48)
    ap.add_argument("--steps", type=int, default=50)
    ap.add_argument("--cfg", type=float, default=6.0)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--weights", choices=["ema", "model"], default="ema")
    ap.add_argument("--json", help="write rates and per-prompt rows here")
    ap.add_argument("--grid", help="write an upscaled PNG grid of the samples here")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    st = torch.load(args.ckpt, map_location="cpu")
    model = ShapesModel(len(data.VOCAB))
    model.load_state_dict(st[args.weights])
    model.eval()
    t0 = time.time()
    imgs, rows, rates = evaluate(model, args.n, args.steps, args.cfg)
    for r in rows:
        bad = [k for k in ("colour", "shape", "size", "position") if not r["match"][k]]
        print(f"{'ok ' if not bad else 'BAD'} {r['prompt']:<40} read {r['read']} {'miss ' + ','.join(bad) if bad else ''}")
    print(f"step {st['step']} n={args.n} steps={args.steps} cfg={args.cfg} ({time.time() - t0:.0f}s): {rates}", flush=True)
    result = {"step": st["step"], "n": args.n, "sampler": "ddim", "steps": args.steps, "cfg_scale": args.cfg,
              "rates": rates, "reader": "tools/default-model/reader.py"}
    if args.json:
        with open(args.json, "w") as f:
            json.dump(dict(result, rows=rows), f, indent=2)
    if args.grid:
        write_png(args.grid, grid(imgs, cols=8))


if __name__ == "__main__":
    main()
