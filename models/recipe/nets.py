"""The three networks of the embedded model, with Stable Diffusion's tensor interfaces.

- AutoEncoder: 128x128x3 <-> 16x16x4 (factor 8, as SD's VAE); most of its work happens at 16x16
  (pixel-unshuffle in, pixel-shuffle out), which is what makes it trainable on two CPU cores.
- TextEncoder: a small causal transformer, `input_ids` -> `last_hidden_state`, like CLIP's.
- UNet: SD's UNet in miniature: ResNet blocks with a timestep embedding, transformer blocks with
  self- and cross-attention to the text, skip connections; predicts the added noise (epsilon).
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F


def group_norm(c):
    return nn.GroupNorm(math.gcd(32, c), c)


class ResBlock(nn.Module):
    def __init__(self, cin, cout, temb=None):
        super().__init__()
        self.n1, self.c1 = group_norm(cin), nn.Conv2d(cin, cout, 3, padding=1)
        self.n2, self.c2 = group_norm(cout), nn.Conv2d(cout, cout, 3, padding=1)
        self.t = nn.Linear(temb, cout) if temb else None
        self.skip = nn.Conv2d(cin, cout, 1) if cin != cout else nn.Identity()

    def forward(self, x, t=None):
        h = self.c1(F.silu(self.n1(x)))
        if self.t is not None:
            h = h + self.t(F.silu(t))[:, :, None, None]
        h = self.c2(F.silu(self.n2(h)))
        return self.skip(x) + h


class AutoEncoder(nn.Module):
    def __init__(self, ch=96, latent=4, factor=8, full=8):
        super().__init__()
        self.factor = factor
        # Pixel-unshuffle is lossless, so the encoder works at 1/8 resolution from the start; the
        # decoder ends with a thin layer at full resolution that keeps edges sharp. Everything
        # else runs at 1/8 resolution, which is what makes the autoencoder cheap to train.
        self.enc_in = nn.Conv2d(3 * factor * factor, ch, 1)
        self.enc = nn.ModuleList([ResBlock(ch, ch), ResBlock(ch, ch)])
        self.enc_out = nn.Sequential(group_norm(ch), nn.SiLU(), nn.Conv2d(ch, latent, 3, padding=1))
        self.dec_in = nn.Conv2d(latent, ch, 3, padding=1)
        self.dec = nn.ModuleList([ResBlock(ch, ch), ResBlock(ch, ch), ResBlock(ch, ch)])
        self.dec_out = nn.Sequential(group_norm(ch), nn.SiLU(), nn.Conv2d(ch, full * factor * factor, 1))
        self.dec_full = nn.Sequential(nn.SiLU(), nn.Conv2d(full, full, 3, padding=1), nn.SiLU(), nn.Conv2d(full, 3, 3, padding=1))

    def encode(self, x):
        h = self.enc_in(F.pixel_unshuffle(x, self.factor))
        for b in self.enc:
            h = b(h)
        return self.enc_out(h)

    def decode(self, z):
        h = self.dec_in(z)
        for b in self.dec:
            h = b(h)
        return self.dec_full(F.pixel_shuffle(self.dec_out(h), self.factor))


class Attention(nn.Module):
    def __init__(self, dim, ctx_dim=None, heads=4):
        super().__init__()
        ctx_dim = ctx_dim or dim
        self.heads = heads
        self.q = nn.Linear(dim, dim, bias=False)
        self.k = nn.Linear(ctx_dim, dim, bias=False)
        self.v = nn.Linear(ctx_dim, dim, bias=False)
        self.o = nn.Linear(dim, dim)

    def forward(self, x, ctx=None, mask=None):
        ctx = x if ctx is None else ctx
        b, n, d = x.shape
        h = self.heads
        q = self.q(x).reshape(b, n, h, d // h).transpose(1, 2)
        k = self.k(ctx).reshape(b, ctx.shape[1], h, d // h).transpose(1, 2)
        v = self.v(ctx).reshape(b, ctx.shape[1], h, d // h).transpose(1, 2)
        w = (q @ k.transpose(-1, -2)) * (1.0 / math.sqrt(d // h))
        if mask is not None:
            w = w + mask
        out = (w.softmax(-1) @ v).transpose(1, 2).reshape(b, n, d)
        return self.o(out)


class TransformerBlock(nn.Module):
    def __init__(self, dim, ctx_dim=None, heads=4, self_attn=True):
        super().__init__()
        self.self_attn = self_attn
        if self_attn:
            self.n1, self.a1 = nn.LayerNorm(dim), Attention(dim, heads=heads)
        self.cross = ctx_dim is not None
        if self.cross:
            self.n2, self.a2 = nn.LayerNorm(dim), Attention(dim, ctx_dim, heads)
        self.n3 = nn.LayerNorm(dim)
        self.ff = nn.Sequential(nn.Linear(dim, dim * 4), nn.GELU(), nn.Linear(dim * 4, dim))

    def forward(self, x, ctx=None, mask=None):
        if self.self_attn:
            x = x + self.a1(self.n1(x), mask=mask)
        if self.cross:
            x = x + self.a2(self.n2(x), ctx)
        return x + self.ff(self.n3(x))


COORD_FEATURES = 10


def coordinate_features(x):
    """[1, H*W, 10]: each position's (x, y) in 0..1 and sines/cosines of them, for any H and W.

    Built with cumsum over a tensor of ones rather than arange(H), so that the exported ONNX graph
    keeps working at every size the engine allows instead of baking in the training size.
    """
    ones = torch.ones_like(x[:1, :1])
    ys, xs = ones.cumsum(2), ones.cumsum(3)
    ys = (ys - 0.5) / ys[:, :, -1:, :]
    xs = (xs - 0.5) / xs[:, :, :, -1:]
    feats = [xs, ys]
    for k in (1, 2):
        feats += [torch.sin(math.pi * k * xs), torch.cos(math.pi * k * xs), torch.sin(math.pi * k * ys), torch.cos(math.pi * k * ys)]
    f = torch.cat(feats, 1)
    return f.reshape(1, COORD_FEATURES, -1).transpose(1, 2)


class SpatialTransformer(nn.Module):
    """Flattens a feature map into tokens, attends (to itself and to the text), folds it back.

    Convolutions are nearly blind to where they are, so "on the left", "at the top" and "above"
    had nothing to bind to: each token gets its coordinates (`coords`, zero-initialised so that a
    checkpoint trained without them resumes unchanged) before attending to the prompt.
    """

    def __init__(self, ch, ctx_dim, self_attn=True):
        super().__init__()
        self.norm = group_norm(ch)
        self.proj_in = nn.Linear(ch, ch)
        self.coords = nn.Linear(COORD_FEATURES, ch, bias=False)
        nn.init.zeros_(self.coords.weight)
        self.block = TransformerBlock(ch, ctx_dim, heads=4, self_attn=self_attn)
        self.proj_out = nn.Linear(ch, ch)

    def forward(self, x, ctx):
        b, c, hh, ww = x.shape
        h = self.norm(x).reshape(b, c, hh * ww).transpose(1, 2)
        h = self.proj_in(h) + self.coords(coordinate_features(x))
        h = self.proj_out(self.block(h, ctx))
        return x + h.transpose(1, 2).reshape(b, c, hh, ww)


class TextEncoder(nn.Module):
    def __init__(self, vocab_size, dim=128, layers=2, max_len=77):
        super().__init__()
        self.tok = nn.Embedding(vocab_size, dim)
        self.pos = nn.Parameter(torch.randn(max_len, dim) * 0.01)
        self.blocks = nn.ModuleList([TransformerBlock(dim, None, heads=4) for _ in range(layers)])
        self.norm = nn.LayerNorm(dim)
        self.register_buffer("causal", torch.triu(torch.full((max_len, max_len), -1e9), 1), persistent=False)

    def forward(self, input_ids):
        n = input_ids.shape[1]
        x = self.tok(input_ids) + self.pos[:n]
        for b in self.blocks:
            x = b(x, mask=self.causal[:n, :n])
        return self.norm(x)


def timestep_embedding(t, dim):
    half = dim // 2
    freqs = torch.exp(-math.log(10000.0) * torch.arange(half, dtype=torch.float32, device=t.device) / half)
    args = t.float()[:, None] * freqs[None]
    return torch.cat([torch.cos(args), torch.sin(args)], dim=-1)


class UNet(nn.Module):
    def __init__(self, ctx_dim=128, ch=(48, 96, 128), latent=4, temb=256):
        super().__init__()
        c0, c1, c2 = ch
        self.ch0 = c0
        self.temb = nn.Sequential(nn.Linear(c0, temb), nn.SiLU(), nn.Linear(temb, temb))
        self.conv_in = nn.Conv2d(latent, c0, 3, padding=1)
        # No self-attention at full latent resolution: it doubles the cost of a training step on CPU,
        # and the lower levels already see the whole 16x16 latent.
        self.d0r, self.d0a = ResBlock(c0, c0, temb), SpatialTransformer(c0, ctx_dim, self_attn=False)
        self.down1 = nn.Conv2d(c0, c0, 3, stride=2, padding=1)
        self.d1r, self.d1a = ResBlock(c0, c1, temb), SpatialTransformer(c1, ctx_dim)
        self.down2 = nn.Conv2d(c1, c1, 3, stride=2, padding=1)
        self.d2r, self.d2a = ResBlock(c1, c2, temb), SpatialTransformer(c2, ctx_dim)
        self.m1, self.ma, self.m2 = ResBlock(c2, c2, temb), SpatialTransformer(c2, ctx_dim), ResBlock(c2, c2, temb)
        self.u2r, self.u2a = ResBlock(c2 + c2, c2, temb), SpatialTransformer(c2, ctx_dim)
        self.up2 = nn.Conv2d(c2, c2, 3, padding=1)
        self.u1r, self.u1a = ResBlock(c2 + c1, c1, temb), SpatialTransformer(c1, ctx_dim)
        self.up1 = nn.Conv2d(c1, c1, 3, padding=1)
        self.u0r, self.u0a = ResBlock(c1 + c0, c0, temb), SpatialTransformer(c0, ctx_dim, self_attn=False)
        self.out = nn.Sequential(group_norm(c0), nn.SiLU(), nn.Conv2d(c0, latent, 3, padding=1))

    def forward(self, sample, timestep, encoder_hidden_states):
        t = timestep.reshape(-1).float().expand(sample.shape[0])
        te = self.temb(timestep_embedding(t, self.ch0))
        ctx = encoder_hidden_states
        h0 = self.d0a(self.d0r(self.conv_in(sample), te), ctx)
        h1 = self.d1a(self.d1r(self.down1(h0), te), ctx)
        h2 = self.d2a(self.d2r(self.down2(h1), te), ctx)
        m = self.m2(self.ma(self.m1(h2, te), ctx), te)
        u = self.u2a(self.u2r(torch.cat([m, h2], 1), te), ctx)
        u = self.up2(F.interpolate(u, scale_factor=2.0, mode="nearest"))
        u = self.u1a(self.u1r(torch.cat([u, h1], 1), te), ctx)
        u = self.up1(F.interpolate(u, scale_factor=2.0, mode="nearest"))
        u = self.u0a(self.u0r(torch.cat([u, h0], 1), te), ctx)
        return self.out(u)
