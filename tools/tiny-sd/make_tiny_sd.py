#!/usr/bin/python3
"""Write tiny, random-weight Stable-Diffusion-shaped ONNX models in the diffusers / optimum layout.

They exist so the full latent-diffusion path (CLIP BPE tokenizer, text encoder, UNet with CFG,
VAE decoder) is tested in CI without real SD weights. The weights are random (seeded), so the
images are noise; what matters is the layout, the tensor names, dtypes and shapes.

Two variants (what real exports differ in):
  tiny-sd        input_ids int32, timestep float32 [B]      (diffusers' old convert script style)
  tiny-sd-int64  input_ids int64, timestep int64 [B], UNet weights in an external data file
                 (optimum style; large UNets ship as model.onnx + model.onnx_data)
  tiny-pixel     a pixel-space model like models/shapes-v1: no VAE, RGB 16x16 UNet, a WordLevel
                 tokenizer.json (8 tokens), DDIM with use_clipped_model_output

Run:  /usr/bin/python3 tools/tiny-sd/make_tiny_sd.py [--out test/fixtures/models]
Needs Debian's python3-torch (1.13), python3-onnx and python3-numpy.
"""
import argparse
import json
import os
import shutil

import numpy as np
import onnx
import torch
from torch import nn

HIDDEN = 32
MAX_LEN = 77
LATENT_CH = 4
LATENT_SIZE = 8
VAE_SCALE = 8


def bytes_to_unicode():
    # CLIP / GPT-2 byte → printable unicode map (openai/CLIP simple_tokenizer.py).
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(2 ** 8):
        if b not in bs:
            bs.append(b)
            cs.append(2 ** 8 + n)
            n += 1
    return dict(zip(bs, [chr(c) for c in cs]))


# A handful of merges so common words become single tokens, as in CLIP's real vocab.
MERGES = [
    ("r", "e"), ("re", "d</w>"), ("c", "i"), ("ci", "r"), ("cir", "c"), ("circ", "l"), ("circl", "e</w>"),
    ("b", "l"), ("bl", "u"), ("blu", "e</w>"), ("a", "t"), ("at", "e</w>"), ("o", "f</w>"), ("t", "h"),
    ("th", "e</w>"), ("p", "h"), ("ph", "o"), ("pho", "t"), ("phot", "o</w>"), ("c", "a"), ("ca", "t</w>"),
    ("s", "q"), ("sq", "u"), ("squ", "a"), ("squa", "r"), ("squar", "e</w>"), ("o", "n</w>"), ("l", "e"),
    ("le", "f"), ("lef", "t</w>"),
]


def write_tokenizer(out):
    b2u = bytes_to_unicode()
    chars = list(b2u.values())
    vocab_list = chars + [c + "</w>" for c in chars]
    for a, b in MERGES:
        vocab_list.append(a + b)
    vocab_list += ["<|startoftext|>", "<|endoftext|>"]
    vocab = {t: i for i, t in enumerate(vocab_list)}
    assert len(vocab) == len(vocab_list), "duplicate token"
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "vocab.json"), "w") as f:
        json.dump(vocab, f, ensure_ascii=False)
    with open(os.path.join(out, "merges.txt"), "w") as f:
        f.write("#version: 0.2\n")
        for a, b in MERGES:
            f.write(f"{a} {b}\n")
    special = {
        "bos_token": "<|startoftext|>", "eos_token": "<|endoftext|>", "unk_token": "<|endoftext|>",
        "pad_token": "<|endoftext|>",
    }
    with open(os.path.join(out, "special_tokens_map.json"), "w") as f:
        json.dump(special, f, indent=2)
    with open(os.path.join(out, "tokenizer_config.json"), "w") as f:
        json.dump({**special, "model_max_length": MAX_LEN, "do_lower_case": True,
                   "tokenizer_class": "CLIPTokenizer", "add_prefix_space": False}, f, indent=2)
    return len(vocab)


class TextEncoder(nn.Module):
    def __init__(self, vocab_size):
        super().__init__()
        self.tok = nn.Embedding(vocab_size, HIDDEN)
        self.pos = nn.Parameter(torch.randn(MAX_LEN, HIDDEN) * 0.02)
        self.mix = nn.Linear(HIDDEN, HIDDEN)
        self.norm = nn.LayerNorm(HIDDEN)

    def forward(self, input_ids):
        h = self.tok(input_ids.long()) + self.pos[: input_ids.shape[1]]
        h = self.norm(h + torch.tanh(self.mix(h)))
        pooled = h[:, -1]
        return h, pooled


def timestep_embedding(t, dim):
    half = dim // 2
    freqs = torch.exp(-torch.log(torch.tensor(10000.0)) * torch.arange(half, dtype=torch.float32) / half)
    args = t.float().reshape(-1, 1) * freqs.reshape(1, -1)
    return torch.cat([torch.cos(args), torch.sin(args)], dim=1)


class UNet(nn.Module):
    def __init__(self):
        super().__init__()
        ch = 16
        self.conv_in = nn.Conv2d(LATENT_CH, ch, 3, padding=1)
        self.t_proj = nn.Linear(ch, ch)
        self.c_proj = nn.Linear(HIDDEN, ch)
        self.mid = nn.Conv2d(ch, ch, 3, padding=1)
        self.norm = nn.GroupNorm(4, ch)
        self.conv_out = nn.Conv2d(ch, LATENT_CH, 3, padding=1)

    def forward(self, sample, timestep, encoder_hidden_states):
        b = sample.shape[0]
        t = timestep.reshape(-1).expand(b) if timestep.dim() == 0 else timestep.expand(b)
        h = self.conv_in(sample)
        emb = self.t_proj(timestep_embedding(t, h.shape[1])) + self.c_proj(encoder_hidden_states.mean(dim=1))
        h = h + emb[:, :, None, None]
        h = self.mid(torch.nn.functional.silu(self.norm(h)))
        return self.conv_out(torch.nn.functional.silu(h)) * 0.1


class VaeDecoder(nn.Module):
    def __init__(self):
        super().__init__()
        ch = 8
        self.conv_in = nn.Conv2d(LATENT_CH, ch, 3, padding=1)
        self.ups = nn.ModuleList([nn.Conv2d(ch, ch, 3, padding=1) for _ in range(3)])
        self.conv_out = nn.Conv2d(ch, 3, 3, padding=1)

    def forward(self, latent_sample):
        h = self.conv_in(latent_sample)
        for conv in self.ups:
            h = torch.nn.functional.interpolate(h, scale_factor=2.0, mode="nearest")
            h = torch.nn.functional.silu(conv(h))
        return self.conv_out(h)


def export(module, args, path, input_names, output_names, dynamic_axes, external=False):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    torch.onnx.export(module, args, path, input_names=input_names, output_names=output_names,
                      dynamic_axes=dynamic_axes, opset_version=17, do_constant_folding=True)
    model = onnx.load(path)
    onnx.checker.check_model(model)
    if external:
        data_name = os.path.basename(path) + "_data"
        onnx.save_model(model, path, save_as_external_data=True, all_tensors_to_one_file=True,
                        location=data_name, size_threshold=0)


def write_variant(out, int64):
    torch.manual_seed(1234)
    if os.path.isdir(out):
        shutil.rmtree(out)
    vocab_size = write_tokenizer(os.path.join(out, "tokenizer"))
    ids_dtype = torch.int64 if int64 else torch.int32
    te = TextEncoder(vocab_size).eval()
    unet = UNet().eval()
    vae = VaeDecoder().eval()
    with torch.no_grad():
        export(te, (torch.zeros(1, MAX_LEN, dtype=ids_dtype),), os.path.join(out, "text_encoder", "model.onnx"),
               ["input_ids"], ["last_hidden_state", "pooler_output"],
               {"input_ids": {0: "batch_size", 1: "sequence_length"},
                "last_hidden_state": {0: "batch_size", 1: "sequence_length"}, "pooler_output": {0: "batch_size"}})
        ts = torch.tensor([999, 999], dtype=torch.int64 if int64 else torch.float32)
        export(unet, (torch.randn(2, LATENT_CH, LATENT_SIZE, LATENT_SIZE), ts, torch.randn(2, MAX_LEN, HIDDEN)),
               os.path.join(out, "unet", "model.onnx"), ["sample", "timestep", "encoder_hidden_states"], ["out_sample"],
               {"sample": {0: "batch_size", 2: "height", 3: "width"}, "timestep": {0: "steps"},
                "encoder_hidden_states": {0: "batch_size", 1: "sequence_length"},
                "out_sample": {0: "batch_size", 2: "height", 3: "width"}}, external=int64)
        export(vae, (torch.randn(1, LATENT_CH, LATENT_SIZE, LATENT_SIZE),), os.path.join(out, "vae_decoder", "model.onnx"),
               ["latent_sample"], ["sample"],
               {"latent_sample": {0: "batch_size", 2: "height", 3: "width"},
                "sample": {0: "batch_size", 2: "height", 3: "width"}})

    def dump(rel, obj):
        p = os.path.join(out, rel)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "w") as f:
            json.dump(obj, f, indent=2)
            f.write("\n")

    # As `optimum-cli export onnx` writes it: diffusers' model_index.json naming `vae`, folders vae_decoder/.
    dump("model_index.json", {
        "_class_name": "StableDiffusionPipeline", "_diffusers_version": "0.21.0",
        "feature_extractor": [None, None], "requires_safety_checker": False, "safety_checker": [None, None],
        "scheduler": ["diffusers", "PNDMScheduler"], "text_encoder": ["transformers", "CLIPTextModel"],
        "tokenizer": ["transformers", "CLIPTokenizer"], "unet": ["diffusers", "UNet2DConditionModel"],
        "vae": ["diffusers", "AutoencoderKL"],
    })
    # Stable Diffusion 1.5's scheduler config.
    dump("scheduler/scheduler_config.json", {
        "_class_name": "PNDMScheduler", "_diffusers_version": "0.21.0", "beta_end": 0.012,
        "beta_schedule": "scaled_linear", "beta_start": 0.00085, "clip_sample": False, "num_train_timesteps": 1000,
        "prediction_type": "epsilon", "set_alpha_to_one": False, "skip_prk_steps": True, "steps_offset": 1,
        "timestep_spacing": "leading", "trained_betas": None,
    })
    dump("text_encoder/config.json", {"_name_or_path": "tiny-sd", "architectures": ["CLIPTextModel"],
                                      "hidden_size": HIDDEN, "max_position_embeddings": MAX_LEN,
                                      "vocab_size": vocab_size, "model_type": "clip_text_model"})
    dump("unet/config.json", {"_class_name": "UNet2DConditionModel", "in_channels": LATENT_CH,
                              "out_channels": LATENT_CH, "sample_size": LATENT_SIZE, "cross_attention_dim": HIDDEN})
    dump("vae_decoder/config.json", {"_class_name": "AutoencoderKL", "latent_channels": LATENT_CH,
                                     "block_out_channels": [8, 8, 8, 8], "out_channels": 3,
                                     "sample_size": LATENT_SIZE * VAE_SCALE, "scaling_factor": 0.18215})
    return te, unet, vae


def reference_clip_ids(tok_dir, prompts):
    """openai/CLIP simple_tokenizer.py's algorithm (ASCII-letter approximation of its \\p{L} regex),
    run on our vocab: the TypeScript tokenizer must produce the same ids."""
    import re
    vocab = json.load(open(os.path.join(tok_dir, "vocab.json")))
    merges = [tuple(l.split()) for l in open(os.path.join(tok_dir, "merges.txt")).read().split("\n")[1:] if l]
    ranks = {m: i for i, m in enumerate(merges)}
    b2u = bytes_to_unicode()
    pat = re.compile(r"<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[a-zA-Z\u00c0-\u024f]+|[0-9]|[^\sa-zA-Z0-9\u00c0-\u024f]+", re.IGNORECASE)

    def bpe(token):
        word = tuple(token[:-1]) + (token[-1] + "</w>",)
        while len(word) > 1:
            pairs = [(word[i], word[i + 1]) for i in range(len(word) - 1)]
            best = min(pairs, key=lambda p: ranks.get(p, float("inf")))
            if best not in ranks:
                break
            out, i = [], 0
            while i < len(word):
                if i < len(word) - 1 and (word[i], word[i + 1]) == best:
                    out.append(word[i] + word[i + 1])
                    i += 2
                else:
                    out.append(word[i])
                    i += 1
            word = tuple(out)
        return word

    result = {}
    for prompt in prompts:
        text = re.sub(r"\s+", " ", prompt).strip().lower()
        ids = [vocab["<|startoftext|>"]]
        for tok in pat.findall(text):
            tok = "".join(b2u[b] for b in tok.encode("utf-8"))
            ids.extend(vocab[t] for t in bpe(tok))
        ids.append(vocab["<|endoftext|>"])
        result[prompt] = ids
    return result


def write_pixel_variant(out):
    torch.manual_seed(99)
    if os.path.isdir(out):
        shutil.rmtree(out)
    words = ["<pad>", "<unk>", "<bos>", "<eos>", "a", "red", "blue", "circle", "square", "large", "small"]
    vocab = {w: i for i, w in enumerate(words)}
    seq = 8
    os.makedirs(os.path.join(out, "tokenizer"))
    added = [{"id": vocab[w], "content": w, "single_word": False, "lstrip": False, "rstrip": False,
              "normalized": False, "special": True} for w in words[:4]]
    tok = {
        "version": "1.0",
        "truncation": {"direction": "Right", "max_length": seq, "strategy": "LongestFirst", "stride": 0},
        "padding": {"strategy": {"Fixed": seq}, "direction": "Right", "pad_to_multiple_of": None, "pad_id": 0,
                    "pad_type_id": 0, "pad_token": "<pad>"},
        "added_tokens": added,
        "normalizer": {"type": "Lowercase"},
        "pre_tokenizer": {"type": "Whitespace"},
        "post_processor": {"type": "TemplateProcessing", "single": [{"SpecialToken": {"id": "<bos>", "type_id": 0}},
                                                                   {"Sequence": {"id": "A", "type_id": 0}},
                                                                   {"SpecialToken": {"id": "<eos>", "type_id": 0}}],
                           "pair": [{"Sequence": {"id": "A", "type_id": 0}}, {"Sequence": {"id": "B", "type_id": 1}}],
                           "special_tokens": {"<bos>": {"id": "<bos>", "ids": [2], "tokens": ["<bos>"]},
                                              "<eos>": {"id": "<eos>", "ids": [3], "tokens": ["<eos>"]}}},
        "decoder": None,
        "model": {"type": "WordLevel", "vocab": vocab, "unk_token": "<unk>"},
    }
    with open(os.path.join(out, "tokenizer", "tokenizer.json"), "w") as f:
        json.dump(tok, f, indent=1)
    with open(os.path.join(out, "tokenizer", "tokenizer_config.json"), "w") as f:
        json.dump({"model_max_length": seq, "pad_token": "<pad>", "unk_token": "<unk>", "bos_token": "<bos>",
                   "eos_token": "<eos>", "tokenizer_class": "PreTrainedTokenizerFast"}, f, indent=2)

    class PixelTextEncoder(nn.Module):
        def __init__(self):
            super().__init__()
            self.tok = nn.Embedding(len(words), 16)
            self.norm = nn.LayerNorm(16)

        def forward(self, input_ids):
            return (self.norm(self.tok(input_ids)),)

    class PixelUNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv_in = nn.Conv2d(3, 8, 3, padding=1)
            self.t_proj = nn.Linear(8, 8)
            self.c_proj = nn.Linear(16, 8)
            self.conv_out = nn.Conv2d(8, 3, 3, padding=1)

        def forward(self, sample, timestep, encoder_hidden_states):
            h = self.conv_in(sample)
            emb = self.t_proj(timestep_embedding(timestep, 8)) + self.c_proj(encoder_hidden_states.mean(dim=1))
            return self.conv_out(torch.nn.functional.silu(h + emb[:, :, None, None]))

    with torch.no_grad():
        export(PixelTextEncoder().eval(), (torch.zeros(1, seq, dtype=torch.int64),),
               os.path.join(out, "text_encoder", "model.onnx"), ["input_ids"], ["last_hidden_state"],
               {"input_ids": {0: "batch"}, "last_hidden_state": {0: "batch"}})
        export(PixelUNet().eval(), (torch.randn(2, 3, 16, 16), torch.tensor([999, 999]), torch.randn(2, seq, 16)),
               os.path.join(out, "unet", "model.onnx"), ["sample", "timestep", "encoder_hidden_states"], ["out_sample"],
               {"sample": {0: "batch"}, "timestep": {0: "batch"}, "encoder_hidden_states": {0: "batch"},
                "out_sample": {0: "batch"}})
    with open(os.path.join(out, "model_index.json"), "w") as f:
        json.dump({"_class_name": "DiffscopePixelPipeline", "_diffusers_version": "0.21.0",
                   "scheduler": ["diffusers", "DDIMScheduler"], "text_encoder": ["diffscope", "TextEncoder"],
                   "tokenizer": ["transformers", "PreTrainedTokenizerFast"], "unet": ["diffscope", "PixelUNet"],
                   "diffscope": {"kind": "pixel", "sample_size": 16, "description": "tiny random pixel-space test model"}},
                  f, indent=2)
    os.makedirs(os.path.join(out, "scheduler"))
    with open(os.path.join(out, "scheduler", "scheduler_config.json"), "w") as f:
        json.dump({"_class_name": "DDIMScheduler", "num_train_timesteps": 1000, "beta_start": 0.0001, "beta_end": 0.02,
                   "beta_schedule": "linear", "clip_sample": True, "clip_sample_range": 1.0, "set_alpha_to_one": True,
                   "steps_offset": 0, "prediction_type": "epsilon", "timestep_spacing": "leading",
                   "use_clipped_model_output": True}, f, indent=2)


class GaussianNoise:
    """Python port of src/inference/seeded-noise.ts (xoshiro128** seeded by SplitMix32, Box-Muller)."""
    M = 0xFFFFFFFF

    @staticmethod
    def _imul(a, b):
        return (a * b) & GaussianNoise.M

    @staticmethod
    def _rotl(x, k):
        return ((x << k) | (x >> (32 - k))) & GaussianNoise.M

    @staticmethod
    def _splitmix32(state):
        nxt = (state + 0x9E3779B9) & GaussianNoise.M
        z = nxt
        z = GaussianNoise._imul(z ^ (z >> 16), 0x85EBCA6B)
        z = GaussianNoise._imul(z ^ (z >> 13), 0xC2B2AE35)
        return nxt, (z ^ (z >> 16)) & GaussianNoise.M

    def __init__(self, seed):
        lo = seed & self.M
        hi = (seed // 4294967296) & self.M
        st = lo ^ self._imul(hi, 0x27D4EB2D)
        st, self.s0 = self._splitmix32(st)
        st, self.s1 = self._splitmix32(st ^ hi)
        st, self.s2 = self._splitmix32(st)
        st, self.s3 = self._splitmix32(st)
        if (self.s0 | self.s1 | self.s2 | self.s3) == 0:
            self.s0 = 1
        self.spare = None

    def next_uint32(self):
        result = self._imul(self._rotl(self._imul(self.s1, 5), 7), 9)
        t = (self.s1 << 9) & self.M
        self.s2 ^= self.s0
        self.s3 ^= self.s1
        self.s1 ^= self.s2
        self.s0 ^= self.s3
        self.s2 ^= t
        self.s3 = self._rotl(self.s3, 11)
        return result

    def next_float64(self):
        a = self.next_uint32() >> 5
        b = self.next_uint32() >> 6
        return (a * 67108864 + b) / 9007199254740992

    def next_gaussian(self):
        import math
        if self.spare is not None:
            v, self.spare = self.spare, None
            return v
        u1 = 1 - self.next_float64()
        u2 = self.next_float64()
        r = math.sqrt(-2 * math.log(u1))
        theta = 2 * math.pi * u2
        self.spare = r * math.sin(theta)
        return r * math.cos(theta)

    def sample(self, n):
        return np.array([self.next_gaussian() for _ in range(n)], dtype=np.float32)


def write_reference(out_path, tok_dir, te, unet, vae):
    """A diffusers-formula DDIM run of tiny-sd in PyTorch (float32), from the same seeded noise
    and token ids the TypeScript pipeline uses: the pipeline's PNG must match these pixels."""
    prompt, negative, seed, steps, cfg = "a red circle on the left", "blue square", 1234, 5, 7.5
    ids = reference_clip_ids(tok_dir, [prompt, negative])

    def padded(row):
        row = row + [row[-1]] * (MAX_LEN - len(row))  # pad token = EOS for this tokenizer
        return row[:MAX_LEN]

    input_ids = torch.tensor([padded(ids[negative]), padded(ids[prompt])], dtype=torch.int64)
    T = 1000
    betas = torch.linspace(0.00085 ** 0.5, 0.012 ** 0.5, T, dtype=torch.float32) ** 2
    alphas_cumprod = torch.cumprod(1.0 - betas, dim=0)
    final_alpha = alphas_cumprod[0]  # set_alpha_to_one = false
    ratio = T // steps
    timesteps = (np.arange(0, steps) * ratio).round()[::-1].copy().astype(np.int64) + 1  # leading, steps_offset 1
    with torch.no_grad():
        hidden, _ = te(input_ids)
        latents = torch.from_numpy(GaussianNoise(seed).sample(LATENT_CH * LATENT_SIZE * LATENT_SIZE)).reshape(1, LATENT_CH, LATENT_SIZE, LATENT_SIZE)
        for t in timesteps:
            t = int(t)
            out = unet(torch.cat([latents, latents]), torch.tensor([t, t], dtype=torch.float32), hidden)
            eps = out[0:1] + cfg * (out[1:2] - out[0:1])
            a_t = alphas_cumprod[t]
            a_prev = alphas_cumprod[t - ratio] if t - ratio >= 0 else final_alpha
            x0 = (latents - (1 - a_t) ** 0.5 * eps) / a_t ** 0.5
            latents = a_prev ** 0.5 * x0 + (1 - a_prev) ** 0.5 * eps
        image = vae(latents / 0.18215)
        pixels = ((image / 2 + 0.5).clamp(0, 1) * 255).round().to(torch.uint8)[0].permute(1, 2, 0).contiguous().numpy()
    import base64
    with open(out_path, "w") as f:
        json.dump({
            "about": "tools/tiny-sd/make_tiny_sd.py write_reference: DDIM (diffusers formulas, eta 0) on tiny-sd in PyTorch",
            "model": "tiny-sd", "prompt": prompt, "negative_prompt": negative, "seed": seed, "steps": steps,
            "cfg_scale": cfg, "sampler": "ddim", "width": 64, "height": 64,
            "first_noise": [float(x) for x in GaussianNoise(42).sample(4)],
            "rgb_base64": base64.b64encode(pixels.tobytes()).decode(),
        }, f, indent=1)
        f.write("\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "..", "..", "test", "fixtures", "models"))
    args = parser.parse_args()
    te, unet, vae = write_variant(os.path.join(args.out, "tiny-sd"), int64=False)
    write_reference(os.path.join(args.out, "tiny-sd-reference.json"), os.path.join(args.out, "tiny-sd", "tokenizer"), te, unet, vae)
    write_variant(os.path.join(args.out, "tiny-sd-int64"), int64=True)
    write_pixel_variant(os.path.join(args.out, "tiny-pixel"))
    prompts = ["a red circle", "A Photo of the CAT on the left!", "blue  square, 42 \u00fcber-squares", ""]
    with open(os.path.join(args.out, "tiny-sd-token-ids.json"), "w") as f:
        json.dump(reference_clip_ids(os.path.join(args.out, "tiny-sd", "tokenizer"), prompts), f, indent=1)
        f.write("\n")
    total = 0
    for root, _, files in os.walk(args.out):
        for name in files:
            if "tiny-" in root:
                total += os.path.getsize(os.path.join(root, name))
    print(f"wrote tiny-sd, tiny-sd-int64, tiny-pixel under {os.path.normpath(args.out)} ({total / 1024:.0f} KiB)")


if __name__ == "__main__":
    main()
