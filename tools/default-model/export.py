"""Export a shapes-v1 checkpoint (EMA weights, FP32) to the diffusers/optimum ONNX layout.

    /usr/bin/python3 tools/default-model/export.py --ckpt /root/.cache/diffscope-train/ckpt.pt \
        --out models/shapes-v1 [--results results.json]

Writes model_index.json, scheduler/, tokenizer/, text_encoder/model.onnx, unet/model.onnx,
checks both graphs with onnx.checker, and leaves reference inputs/outputs of one PyTorch
forward in --ref-dir so check-export.mjs can compare onnxruntime-node against them.
"""
from __future__ import annotations

import argparse
import json
import os
import sys

import numpy as np
import onnx
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import data  # noqa: E402
import train  # noqa: E402
from model import MAX_TOKENS, TEXT_DIM, ShapesModel, count  # noqa: E402

OPSET = 17
DESCRIPTION = (
    "shapes-v1: 32x32 pixel-space diffusion model trained by diffscope on procedural scenes - one "
    "circle, square or triangle in red, green, blue, yellow, purple, orange or white, optionally "
    "small/large and on the left/right/top/bottom, on a dark background. "
    "Example prompt: 'a large orange circle on the left'."
)


def write_json(path: str, obj: dict) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        json.dump(obj, f, indent=2)
        f.write("\n")


def tokenizer_json() -> dict:
    """Hugging Face tokenizers JSON: WordLevel + Lowercase + Whitespace, pad/truncate to 8."""
    specials = [data.PAD, data.UNK]
    return {
        "version": "1.0",
        "truncation": {"direction": "Right", "max_length": MAX_TOKENS, "strategy": "LongestFirst", "stride": 0},
        "padding": {
            "strategy": {"Fixed": MAX_TOKENS}, "direction": "Right", "pad_to_multiple_of": None,
            "pad_id": 0, "pad_type_id": 0, "pad_token": data.PAD,
        },
        "added_tokens": [
            {"id": i, "content": t, "single_word": False, "lstrip": False, "rstrip": False,
             "normalized": False, "special": True}
            for i, t in enumerate(specials)
        ],
        "normalizer": {"type": "Lowercase"},
        "pre_tokenizer": {"type": "Whitespace"},
        "post_processor": None,
        "decoder": None,
        "model": {"type": "WordLevel", "vocab": {w: i for i, w in enumerate(data.VOCAB)}, "unk_token": data.UNK},
    }


def tokenizer_config() -> dict:
    return {
        "tokenizer_class": "PreTrainedTokenizerFast",
        "model_max_length": MAX_TOKENS,
        "pad_token": data.PAD,
        "unk_token": data.UNK,
        "padding_side": "right",
        "truncation_side": "right",
        "do_lower_case": True,
        "clean_up_tokenization_spaces": False,
    }


def scheduler_config() -> dict:
    return {
        "_class_name": "DDIMScheduler",
        "_diffusers_version": "0.30.0",
        "num_train_timesteps": train.T,
        "beta_schedule": "linear",
        "beta_start": train.BETA_START,
        "beta_end": train.BETA_END,
        "trained_betas": None,
        "prediction_type": "epsilon",
        "clip_sample": True,
        "clip_sample_range": 1.0,
        "set_alpha_to_one": False,
        "steps_offset": 1,
        "timestep_spacing": "leading",
        "thresholding": False,
        "rescale_betas_zero_snr": False,
        # Not a diffusers config key (diffusers takes it as a step() argument): this pixel-space
        # model needs the noise estimate recomputed from the clipped x0, or cfg >= 3 washes out.
        "use_clipped_model_output": True,
    }


def model_index(results: dict | None) -> dict:
    block = {
        "kind": "pixel",
        "sample_size": 32,
        "description": DESCRIPTION,
        "vocabulary": data.WORDS,
        "recommended": {"sampler": "ddim", "steps": 50, "cfg_scale": 6.0},
    }
    if results:
        block["measured"] = results
    return {
        "_class_name": "DiffscopePixelPipeline",
        "_diffusers_version": "0.30.0",
        "text_encoder": ["diffscope", "WordLevelTextEncoder"],
        "tokenizer": ["transformers", "PreTrainedTokenizerFast"],
        "unet": ["diffscope", "PixelUNet"],
        "scheduler": ["diffusers", "DDIMScheduler"],
        "diffscope": block,
    }


def load_ema(ckpt: str) -> tuple[ShapesModel, dict]:
    st = torch.load(ckpt, map_location="cpu")
    if st["vocab"] != data.VOCAB:
        raise SystemExit("checkpoint vocabulary differs from data.VOCAB")
    m = ShapesModel(len(data.VOCAB))
    m.load_state_dict(st["ema"])
    return m.eval(), st


def export(m: ShapesModel, out: str, ref_dir: str | None) -> None:
    te_path = os.path.join(out, "text_encoder", "model.onnx")
    un_path = os.path.join(out, "unet", "model.onnx")
    os.makedirs(os.path.dirname(te_path), exist_ok=True)
    os.makedirs(os.path.dirname(un_path), exist_ok=True)
    ids = torch.tensor([data.tokenize("a large orange circle on the left"), [0] * MAX_TOKENS], dtype=torch.int64)
    with torch.no_grad():
        torch.onnx.export(
            m.text, (ids,), te_path, opset_version=OPSET, input_names=["input_ids"],
            output_names=["last_hidden_state"],
            dynamic_axes={"input_ids": {0: "batch"}, "last_hidden_state": {0: "batch"}},
        )
        ctx = m.text(ids)
        g = torch.Generator().manual_seed(0)
        sample = torch.randn(2, 3, 32, 32, generator=g)
        t = torch.tensor([981, 20], dtype=torch.int64)
        torch.onnx.export(
            m.unet, (sample, t, ctx), un_path, opset_version=OPSET,
            input_names=["sample", "timestep", "encoder_hidden_states"], output_names=["out_sample"],
            dynamic_axes={"sample": {0: "batch"}, "timestep": {0: "batch"},
                          "encoder_hidden_states": {0: "batch"}, "out_sample": {0: "batch"}},
        )
        eps = m.unet(sample, t, ctx)
    for p in (te_path, un_path):
        onnx.checker.check_model(onnx.load(p))
    write_json(os.path.join(out, "text_encoder", "config.json"), {
        "architectures": ["WordLevelTextEncoder"], "hidden_size": TEXT_DIM, "max_position_embeddings": MAX_TOKENS,
        "vocab_size": len(data.VOCAB), "num_hidden_layers": 1, "parameters": count(m.text)})
    write_json(os.path.join(out, "unet", "config.json"), {
        "_class_name": "PixelUNet", "sample_size": 32, "in_channels": 3, "out_channels": 3,
        "block_out_channels": [32, 64, 128], "cross_attention_dim": TEXT_DIM, "parameters": count(m.unet)})
    if ref_dir:
        os.makedirs(ref_dir, exist_ok=True)
        prompts = ["a large orange circle on the left", "A Red SQUARE at the top", "an unknown word",
                   "a small purple triangle in the center of the big image", ""]
        ref = {
            "input_ids": ids.tolist(), "timestep": t.tolist(),
            "tokenize": {p: data.tokenize(p) for p in prompts},
        }
        for name, arr in (("sample", sample), ("last_hidden_state", ctx), ("out_sample", eps)):
            arr.numpy().astype("<f4").tofile(os.path.join(ref_dir, name + ".f32"))
            ref[name + "_shape"] = list(arr.shape)
        write_json(os.path.join(ref_dir, "ref.json"), ref)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--ckpt", default="/root/.cache/diffscope-train/ckpt.pt")
    ap.add_argument("--out", default="models/shapes-v1")
    ap.add_argument("--results", help="JSON from evaluate.py to record in model_index.json")
    ap.add_argument("--ref-dir", default="/tmp/diffscope-export-ref")
    args = ap.parse_args()
    torch.set_num_threads(2)
    m, st = load_ema(args.ckpt)
    export(m, args.out, args.ref_dir)
    write_json(os.path.join(args.out, "tokenizer", "tokenizer.json"), tokenizer_json())
    write_json(os.path.join(args.out, "tokenizer", "tokenizer_config.json"), tokenizer_config())
    write_json(os.path.join(args.out, "tokenizer", "special_tokens_map.json"),
               {"pad_token": data.PAD, "unk_token": data.UNK})
    write_json(os.path.join(args.out, "scheduler", "scheduler_config.json"), scheduler_config())
    results = None
    if args.results:
        with open(args.results) as f:
            results = json.load(f)
    results = dict(results or {}, train_steps=st["step"], train_minutes=round(st.get("train_seconds", 0) / 60, 1))
    write_json(os.path.join(args.out, "model_index.json"), model_index(results))
    total = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(args.out) for f in fs)
    print(f"exported step {st['step']} to {args.out}: {total / 1e6:.2f} MB; onnx.checker ok; reference in {args.ref_dir}")


if __name__ == "__main__":
    main()
