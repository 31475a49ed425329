"""Train shapes-v1 (epsilon prediction, linear betas, CFG dropout, EMA).  Resumable.

    /usr/bin/python3 tools/default-model/train.py --minutes 90 \
        --ckpt /root/.cache/diffscope-train/ckpt.pt

Re-running with the same --ckpt continues from the last checkpoint (model, EMA,
optimiser, step); the data stream is a pure function of (seed, step), so a resumed
run sees the same batches an uninterrupted one would have.
"""
from __future__ import annotations

import argparse
import copy
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import data  # noqa: E402
from model import ShapesModel, count  # noqa: E402

T = 1000
BETA_START, BETA_END = 1e-4, 0.02


def alphas_cumprod() -> torch.Tensor:
    betas = torch.linspace(BETA_START, BETA_END, T, dtype=torch.float64)
    return torch.cumprod(1.0 - betas, dim=0).float()


def save(path: str, state: dict) -> None:
    tmp = path + ".tmp"
    torch.save(state, tmp)
    os.replace(tmp, path)  # atomic: a crash never leaves a half-written checkpoint


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--ckpt", default="/root/.cache/diffscope-train/ckpt.pt")
    ap.add_argument("--minutes", type=float, default=60.0, help="wall-clock budget of this run")
    ap.add_argument("--max-steps", type=int, default=10**9)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--lr", type=float, default=5e-4)
    ap.add_argument("--warmup", type=int, default=200)
    ap.add_argument("--decay-minutes", type=float, default=0.0, help="linear lr decay to 10%% over the run's last N minutes")
    ap.add_argument("--ema", type=float, default=0.995)
    ap.add_argument("--uncond", type=float, default=0.1, help="fraction of empty prompts (CFG)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--save-every", type=int, default=50)
    ap.add_argument("--log-every", type=int, default=10)
    ap.add_argument("--snapshot-every", type=int, default=500, help="keep a copy ckpt-<step>.pt")
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    os.makedirs(os.path.dirname(os.path.abspath(args.ckpt)), exist_ok=True)

    model = ShapesModel(len(data.VOCAB))
    ema = copy.deepcopy(model).requires_grad_(False)
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.01)
    step, elapsed_before = 0, 0.0
    if os.path.exists(args.ckpt):
        st = torch.load(args.ckpt, map_location="cpu")
        model.load_state_dict(st["model"])
        ema.load_state_dict(st["ema"])
        opt.load_state_dict(st["opt"])
        step, elapsed_before = st["step"], st.get("train_seconds", 0.0)
        torch.set_rng_state(st["torch_rng"])
        print(f"resumed from {args.ckpt} at step {step} ({elapsed_before / 60:.1f} min trained)", flush=True)
    print(f"params unet={count(model.unet)} text={count(model.text)} batch={args.batch} "
          f"threads={args.threads} budget={args.minutes} min", flush=True)

    ac = alphas_cumprod()
    t0 = time.time()
    last_log, loss_acc, n_acc = t0, 0.0, 0
    losses: list[float] = []

    def state() -> dict:
        return {"model": model.state_dict(), "ema": ema.state_dict(), "opt": opt.state_dict(),
                "step": step, "train_seconds": elapsed_before + time.time() - t0,
                "torch_rng": torch.get_rng_state(), "vocab": data.VOCAB, "args": vars(args)}

    model.train()
    while step < args.max_steps and time.time() - t0 < args.minutes * 60:
        x0, ids, _ = data.batch(args.seed * 1_000_003 + step, args.batch)
        x0, ids = torch.from_numpy(x0), torch.from_numpy(ids)
        drop = torch.rand(args.batch) < args.uncond
        ids[drop] = 0  # empty prompt = all [PAD]
        t = torch.randint(0, T, (args.batch,))
        noise = torch.randn_like(x0)
        a = ac[t].view(-1, 1, 1, 1)
        xt = a.sqrt() * x0 + (1 - a).sqrt() * noise
        loss = F.mse_loss(model(xt, t, ids), noise)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        # Warm-up by step; then, in the last --decay-minutes of this run's budget, a linear
        # decay to 10 % (the budget is wall-clock, so the schedule is too).
        left_min = args.minutes - (time.time() - t0) / 60
        decay = 1.0 if left_min >= args.decay_minutes else 0.1 + 0.9 * max(0.0, left_min) / args.decay_minutes
        for g in opt.param_groups:
            g["lr"] = args.lr * min(1.0, (step + 1) / args.warmup) * decay
        opt.step()
        with torch.no_grad():
            d = args.ema if step >= args.warmup else min(args.ema, (1 + step) / (10 + step))
            for pe, pm in zip(ema.parameters(), model.parameters()):
                pe.mul_(d).add_(pm.detach(), alpha=1 - d)
        step += 1
        loss_acc += loss.item()
        n_acc += 1
        if step % args.log_every == 0:
            now = time.time()
            avg = loss_acc / n_acc
            losses.append(avg)
            left = args.minutes * 60 - (now - t0)
            print(f"step {step} loss {avg:.5f} lr {opt.param_groups[0]['lr']:.2e} s/step {(now - last_log) / n_acc:.2f} "
                  f"run {(now - t0) / 60:.1f}m left {left / 60:.1f}m total {(elapsed_before + now - t0) / 60:.1f}m",
                  flush=True)
            last_log, loss_acc, n_acc = now, 0.0, 0
        if step % args.save_every == 0:
            save(args.ckpt, state())
        if args.snapshot_every and step % args.snapshot_every == 0:
            save(args.ckpt.replace(".pt", f"-{step}.pt"), state())
    save(args.ckpt, state())
    print(f"stopped at step {step}; checkpoint {args.ckpt}", flush=True)


if __name__ == "__main__":
    main()
