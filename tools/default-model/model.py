"""shapes-v1: a small text-conditioned pixel-space UNet and a word-level text encoder.

Conditioning, relative to the pre-project trial (which learned position words poorly):
  * cross-attention to the text at every resolution, including 32x32;
  * a pooled text vector added to the time embedding, so every FiLM'd block sees the prompt;
  * two constant coordinate channels concatenated to the input, so "left"/"top" have an
    absolute spatial reference instead of one the convolutions must infer from zero padding.
All three are cheap (a few % of the step time).  Written with plain ops so it exports to ONNX.
"""
from __future__ import annotations

import math

import torch
import torch.nn as nn
import torch.nn.functional as F

TEXT_DIM = 128
MAX_TOKENS = 8


class SelfAttention(nn.Module):
    def __init__(self, dim: int, heads: int):
        super().__init__()
        self.heads = heads
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, n, d = x.shape
        h = self.heads
        q, k, v = self.qkv(x).reshape(b, n, 3, h, d // h).permute(2, 0, 3, 1, 4)
        att = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(d // h), dim=-1)
        y = (att @ v).transpose(1, 2).reshape(b, n, d)
        return self.proj(y)


class TextEncoder(nn.Module):
    """input_ids int64 [B, 8] -> last_hidden_state [B, 8, TEXT_DIM]."""

    def __init__(self, vocab_size: int, dim: int = TEXT_DIM, heads: int = 4, ff: int = 512):
        super().__init__()
        self.tok = nn.Embedding(vocab_size, dim)
        self.pos = nn.Parameter(torch.zeros(1, MAX_TOKENS, dim))
        nn.init.normal_(self.pos, std=0.02)
        self.ln1 = nn.LayerNorm(dim)
        self.attn = SelfAttention(dim, heads)
        self.ln2 = nn.LayerNorm(dim)
        self.ff = nn.Sequential(nn.Linear(dim, ff), nn.GELU(), nn.Linear(ff, dim))
        self.ln_out = nn.LayerNorm(dim)

    def forward(self, input_ids: torch.Tensor) -> torch.Tensor:
        x = self.tok(input_ids) + self.pos
        x = x + self.attn(self.ln1(x))
        x = x + self.ff(self.ln2(x))
        return self.ln_out(x)


def timestep_embedding(t: torch.Tensor, dim: int) -> torch.Tensor:
    half = dim // 2
    freqs = torch.exp(-math.log(10000.0) * torch.arange(half, dtype=torch.float32) / half)
    args = t.to(torch.float32)[:, None] * freqs[None, :]
    return torch.cat([torch.sin(args), torch.cos(args)], dim=-1)


class ResBlock(nn.Module):
    def __init__(self, cin: int, cout: int, tdim: int):
        super().__init__()
        self.n1 = nn.GroupNorm(8, cin)
        self.c1 = nn.Conv2d(cin, cout, 3, padding=1)
        self.film = nn.Linear(tdim, 2 * cout)
        self.n2 = nn.GroupNorm(8, cout)
        self.c2 = nn.Conv2d(cout, cout, 3, padding=1)
        self.skip = nn.Conv2d(cin, cout, 1) if cin != cout else nn.Identity()
        nn.init.zeros_(self.c2.weight)
        nn.init.zeros_(self.c2.bias)

    def forward(self, x: torch.Tensor, temb: torch.Tensor) -> torch.Tensor:
        h = self.c1(F.silu(self.n1(x)))
        scale, shift = self.film(temb)[:, :, None, None].chunk(2, dim=1)
        h = self.n2(h) * (1 + scale) + shift
        h = self.c2(F.silu(h))
        return self.skip(x) + h


class CrossAttention(nn.Module):
    def __init__(self, ch: int, ctx_dim: int = TEXT_DIM, heads: int = 4):
        super().__init__()
        self.heads = heads
        self.norm = nn.GroupNorm(8, ch)
        self.q = nn.Linear(ch, ch, bias=False)
        self.k = nn.Linear(ctx_dim, ch, bias=False)
        self.v = nn.Linear(ctx_dim, ch, bias=False)
        self.o = nn.Linear(ch, ch)
        nn.init.zeros_(self.o.weight)
        nn.init.zeros_(self.o.bias)

    def forward(self, x: torch.Tensor, ctx: torch.Tensor) -> torch.Tensor:
        # Standard multi-head attention, with the query and output projections folded into the
        # 8 text tokens (Wq into k, Wo into v) so that nothing per-pixel is projected or
        # transposed: on CPU the naive form made the 32x32 level cost more than its convolutions.
        b, c, hh, ww = x.shape
        h, dh = self.heads, c // self.heads
        xn = self.norm(x).reshape(b, c, hh * ww)
        k = self.k(ctx).reshape(b, -1, h, dh).permute(0, 2, 1, 3)  # [b, h, n, dh]
        n = k.shape[2]
        kq = (k @ self.q.weight.reshape(h, dh, c)).reshape(b, h * n, c) / math.sqrt(dh)
        att = torch.softmax((kq @ xn).reshape(b, h, n, hh * ww), dim=2)  # softmax over tokens
        v = self.v(ctx).reshape(b, -1, h, dh).permute(0, 2, 3, 1)  # [b, h, dh, n]
        vo = self.o.weight.reshape(c, h, dh).permute(1, 0, 2) @ v  # [b, h, c, n]
        y = vo.permute(0, 2, 1, 3).reshape(b, c, h * n) @ att.reshape(b, h * n, hh * ww)
        return x + (y + self.o.bias[None, :, None]).reshape(b, c, hh, ww)


class UNet(nn.Module):
    """sample [B,3,32,32], timestep int64 [B], encoder_hidden_states [B,8,D] -> epsilon."""

    def __init__(self, ch: tuple[int, int, int] = (32, 64, 128), tdim: int = 128, size: int = 32):
        super().__init__()
        c1, c2, c3 = ch
        self.tdim = tdim
        self.time_mlp = nn.Sequential(nn.Linear(c1, tdim), nn.SiLU(), nn.Linear(tdim, tdim))
        self.text_pool = nn.Linear(TEXT_DIM, tdim)
        g = torch.linspace(-1.0, 1.0, size)
        yy, xx = torch.meshgrid(g, g, indexing="ij")
        self.register_buffer("coords", torch.stack([xx, yy])[None], persistent=False)
        self.conv_in = nn.Conv2d(3 + 2, c1, 3, padding=1)
        self.d1 = ResBlock(c1, c1, tdim)
        self.a1 = CrossAttention(c1)
        self.down1 = nn.Conv2d(c1, c2, 3, stride=2, padding=1)
        self.d2 = ResBlock(c2, c2, tdim)
        self.a2 = CrossAttention(c2)
        self.down2 = nn.Conv2d(c2, c3, 3, stride=2, padding=1)
        self.m1 = ResBlock(c3, c3, tdim)
        self.ma = CrossAttention(c3)
        self.m2 = ResBlock(c3, c3, tdim)
        self.up2 = nn.Conv2d(c3, c2, 3, padding=1)
        self.u2 = ResBlock(2 * c2, c2, tdim)
        self.ua2 = CrossAttention(c2)
        self.up1 = nn.Conv2d(c2, c1, 3, padding=1)
        self.u1 = ResBlock(2 * c1, c1, tdim)
        self.ua1 = CrossAttention(c1)
        self.out_norm = nn.GroupNorm(8, c1)
        self.conv_out = nn.Conv2d(c1, 3, 3, padding=1)
        nn.init.zeros_(self.conv_out.weight)
        nn.init.zeros_(self.conv_out.bias)

    def forward(self, sample: torch.Tensor, timestep: torch.Tensor, encoder_hidden_states: torch.Tensor) -> torch.Tensor:
        ctx = encoder_hidden_states
        temb = self.time_mlp(timestep_embedding(timestep, self.time_mlp[0].in_features))
        temb = F.silu(temb + self.text_pool(ctx.mean(dim=1)))
        coords = self.coords.expand(sample.shape[0], -1, -1, -1)
        h1 = self.conv_in(torch.cat([sample, coords], dim=1))
        h1 = self.a1(self.d1(h1, temb), ctx)
        h2 = self.down1(h1)
        h2 = self.a2(self.d2(h2, temb), ctx)
        h = self.down2(h2)
        h = self.m2(self.ma(self.m1(h, temb), ctx), temb)
        h = self.up2(F.interpolate(h, scale_factor=2.0, mode="nearest"))
        h = self.ua2(self.u2(torch.cat([h, h2], dim=1), temb), ctx)
        h = self.up1(F.interpolate(h, scale_factor=2.0, mode="nearest"))
        h = self.ua1(self.u1(torch.cat([h, h1], dim=1), temb), ctx)
        return self.conv_out(F.silu(self.out_norm(h)))


class ShapesModel(nn.Module):
    def __init__(self, vocab_size: int):
        super().__init__()
        self.text = TextEncoder(vocab_size)
        self.unet = UNet()

    def forward(self, x: torch.Tensor, t: torch.Tensor, ids: torch.Tensor) -> torch.Tensor:
        return self.unet(x, t, self.text(ids))


def count(m: nn.Module) -> int:
    return sum(p.numel() for p in m.parameters())


if __name__ == "__main__":
    import data

    m = ShapesModel(len(data.VOCAB))
    print("unet", count(m.unet), "text", count(m.text))
