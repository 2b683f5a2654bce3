"""Train the embedded default model from scratch and write it in the diffusers ONNX layout.

One command does everything (render data, autoencoder, text encoder + UNet, ONNX export, report):

    /usr/bin/python3 models/recipe/train.py --out models/tiny-shapes

Stages keep their results in --work, so an interrupted run continues where it stopped
(`--resume`), and a finished one can be trained further (`--resume --unet-steps N`, N larger).
`--smoke` runs every stage for a few steps at tiny sizes, to check the recipe still works.

To carry a run to another machine (a GPU), `slim_checkpoint.py` writes a weights-only copy of the
UNet checkpoint; put it with ae.pt in a work folder there and `--resume`: the optimizer starts
afresh. `--minutes` fits a run into a time limit, `--skip-export` leaves the export for later.
"""
import argparse
import json
import math
import multiprocessing
import os
import platform
import random
import shutil
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image, ImageDraw

sys.path.insert(0, os.path.dirname(__file__))
import scenes  # noqa: E402
from bpe import Tokenizer  # noqa: E402
from nets import AutoEncoder, TextEncoder, UNet  # noqa: E402

MONITOR_PROMPTS = [
    "a red circle", "a big blue square on the left", "two yellow stars", "a green triangle above a white heart",
    "a purple star", "an orange heart on a blue background", "three black circles", "a white square on a red background",
]
SCHEDULE = {"num_train_timesteps": 1000, "beta_start": 0.00085, "beta_end": 0.012, "beta_schedule": "scaled_linear"}


def log(*a):
    print(time.strftime("%H:%M:%S"), *a, flush=True)


def alphas_cumprod():
    betas = torch.linspace(SCHEDULE["beta_start"] ** 0.5, SCHEDULE["beta_end"] ** 0.5, 1000, dtype=torch.float64) ** 2
    return torch.cumprod(1 - betas, 0).float()


def batch_images(rng, n, allow_held_out=False, mix=scenes.DEFAULT_MIX):
    imgs, caps = [], []
    for _ in range(n):
        scene, cap = scenes.sample_scene(rng, allow_held_out, mix)
        imgs.append(np.asarray(scenes.render(scene), dtype=np.float32))
        caps.append(cap)
    x = torch.from_numpy(np.stack(imgs)).permute(0, 3, 1, 2) / 127.5 - 1
    return x, caps


def train_autoencoder(a, dev, work):
    path = os.path.join(work, "ae.pt")
    if a.resume and os.path.exists(path):
        log("autoencoder: reusing", path)
        return torch.load(path, map_location="cpu")
    torch.manual_seed(a.seed)
    rng = random.Random(a.seed)
    ae = AutoEncoder().to(dev)
    opt = torch.optim.Adam(ae.parameters(), lr=1e-3)
    t0 = time.time()
    for step in range(a.ae_steps):
        lr = 1e-3 * min(1.0, (step + 1) / 100) * (0.1 if step > 0.8 * a.ae_steps else 1.0)
        for g in opt.param_groups:
            g["lr"] = lr
        x, _ = batch_images(rng, a.ae_batch, allow_held_out=True)
        x = x.to(dev)
        z = ae.encode(x)
        # Noise on the latent makes the decoder tolerant of the small errors a sampler leaves.
        zn = z + 0.05 * z.detach().std() * torch.randn_like(z)
        rec = ae.decode(zn)
        loss = (rec - x).abs().mean() + 0.5 * (rec - x).pow(2).mean() + 1e-4 * z.pow(2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        if step % 100 == 0 or step == a.ae_steps - 1:
            log(f"autoencoder step {step}/{a.ae_steps} loss {loss.item():.4f}")
    ae.eval()
    with torch.no_grad():
        x, _ = batch_images(random.Random(a.seed + 1), 256, allow_held_out=True)
        z = torch.cat([ae.encode(x[i:i + 64].to(dev)) for i in range(0, 256, 64)]).cpu()
        rec = torch.cat([ae.decode(z[i:i + 64].to(dev)) for i in range(0, 256, 64)]).cpu().clamp(-1, 1)
        mse = ((rec - x) / 2).pow(2).mean().item()
        psnr = 10 * math.log10(1 / max(mse, 1e-12))
        mu_c, sd_c = z.mean((0, 2, 3)), z.std((0, 2, 3))
    log(f"autoencoder PSNR {psnr:.2f} dB; latent mean {mu_c.tolist()} std {sd_c.tolist()}")
    state = {"ae": ae.state_dict(), "mu_c": mu_c, "sd_c": sd_c, "psnr": psnr, "seconds": time.time() - t0,
             "steps": a.ae_steps}
    torch.save(state, path)
    return state


class NormalisedAE(torch.nn.Module):
    """The autoencoder with per-channel latent statistics folded in.

    The exported encoder's latents share one mean and one spread across channels, which the
    standard `scaling_factor` / `shift_factor` of the VAE config then bring to mean 0, std 1:
    the centring that keeps sampling from pure noise on course (see training-notes.md).
    """

    def __init__(self, state):
        super().__init__()
        self.ae = AutoEncoder()
        self.ae.load_state_dict(state["ae"])
        mu_c, sd_c = state["mu_c"], state["sd_c"]
        self.register_buffer("mu_c", mu_c.view(1, -1, 1, 1))
        self.register_buffer("sd_c", sd_c.view(1, -1, 1, 1))
        self.mu_g, self.sd_g = float(mu_c.mean()), float(sd_c.mean())
        self.scaling_factor, self.shift_factor = 1.0 / self.sd_g, self.mu_g

    def encode_raw(self, x):
        return (self.ae.encode(x) - self.mu_c) / self.sd_c * self.sd_g + self.mu_g

    def decode_raw(self, raw):
        return self.ae.decode((raw - self.mu_g) / self.sd_g * self.sd_c + self.mu_c)

    def to_unet(self, raw):
        return (raw - self.shift_factor) * self.scaling_factor

    def from_unet(self, lat):
        return lat / self.scaling_factor + self.shift_factor


def render_chunk(job):
    """One chunk of the UNet's data set, rendered in a worker process from its own seed."""
    seed, n, mix = job
    torch.set_num_threads(1)  # one process per core already: more threads only fight each other
    x, caps = batch_images(random.Random(seed), n, mix=mix)
    return ((x + 1) * 127.5).round().to(torch.uint8), caps


def encode_dataset(a, nae, tok, dev, work):
    path = os.path.join(work, "latents.pt")
    if a.resume and os.path.exists(path):
        data = torch.load(path, map_location="cpu")
        # Sets from before --mix existed were rendered with the default mix.
        data["mix"] = tuple(data.get("mix", scenes.DEFAULT_MIX))
        made = (len(data["captions"]), data["mix"])
        if made == (a.data, a.mix):
            log("dataset: reusing", path)
            return data
        log(f"dataset: {path} holds {made[0]} scenes of mix {made[1]}, not {a.data} of mix {a.mix}: rendering anew")
    # Chunks of 64 scenes, each from a seed of its own, so the set is the same whatever the
    # number of worker processes that render it.
    jobs = [(a.seed * 1_000_003 + 2 + i, min(64, a.data - i), a.mix) for i in range(0, a.data, 64)]
    lats, ids, caps = [], [], []
    t0 = time.time()
    with multiprocessing.get_context("spawn").Pool(max(1, min(a.threads, 16))) as pool, torch.no_grad():
        for k, (x, c) in enumerate(pool.imap(render_chunk, jobs, chunksize=4)):
            x = x.float().to(dev) / 127.5 - 1
            lats.append(nae.to_unet(nae.encode_raw(x)).cpu())
            ids += [tok(s) for s in c]
            caps += c
            if k % 100 == 0:
                log(f"dataset {k * 64}/{a.data}")
    data = {"latents": torch.cat(lats), "ids": torch.tensor(ids, dtype=torch.long), "captions": caps, "mix": a.mix}
    lat = data["latents"]
    log(f"dataset: {len(caps)} scenes in {time.time() - t0:.0f}s; latent mean {lat.mean((0, 2, 3)).tolist()} "
        f"std {lat.std((0, 2, 3)).tolist()}")
    torch.save(data, path)
    return data


@torch.no_grad()
def sample_ddim(unet, te, tok, prompts, seeds, dev, steps=20, cfg=7.0):
    """Monitor sampler: DDIM (eta 0) from pure noise with classifier-free guidance."""
    acp = alphas_cumprod().to(dev)
    ts = list(range(0, 1000, 1000 // steps))[::-1]
    ts = [t + 1 for t in ts]
    cond = te(torch.tensor([tok(p) for p in prompts], device=dev))
    unc = te(torch.tensor([tok("")] * len(prompts), device=dev))
    xs = []
    for s in seeds:
        g = torch.Generator().manual_seed(s)
        xs.append(torch.randn(len(prompts), 4, 16, 16, generator=g))
    x = torch.cat(xs).to(dev)
    cond, unc = cond.repeat(len(seeds), 1, 1), unc.repeat(len(seeds), 1, 1)
    for i, t in enumerate(ts):
        tt = torch.tensor([t], device=dev)
        e = unet(torch.cat([x, x]), tt, torch.cat([unc, cond]))
        eu, ec = e.chunk(2)
        eps = eu + cfg * (ec - eu)
        a_t = acp[t]
        a_p = acp[ts[i + 1]] if i + 1 < len(ts) else acp[0]
        x0 = (x - (1 - a_t).sqrt() * eps) / a_t.sqrt()
        x = a_p.sqrt() * x0 + (1 - a_p).sqrt() * eps
    return x


def to_pil(nae, lat, dev):
    with torch.no_grad():
        img = nae.decode_raw(nae.from_unet(lat.to(dev))).clamp(-1, 1).cpu()
    arr = ((img + 1) * 127.5).round().byte().permute(0, 2, 3, 1).numpy()
    return [Image.fromarray(a) for a in arr]


def grid(images, cols):
    w, h = images[0].size
    rows = (len(images) + cols - 1) // cols
    g = Image.new("RGB", (cols * w, rows * h), (255, 255, 255))
    for i, im in enumerate(images):
        g.paste(im, ((i % cols) * w, (i // cols) * h))
    return g


def split_params(unet, te):
    """(the original parameters, the coordinate projections): kept in separate optimizer groups, in
    a fixed order, so that checkpoints from before the coordinates existed still resume."""
    named = list(unet.named_parameters())
    main = [p for n, p in named if ".coords." not in n] + list(te.parameters())
    return main, [p for n, p in named if ".coords." in n]


def train_unet(a, nae, tok, data, dev, work):
    path = os.path.join(work, "unet.pt")
    torch.manual_seed(a.seed + 3)
    unet, te = UNet(ctx_dim=128).to(dev), TextEncoder(tok.vocab_size).to(dev)
    ema_unet, ema_te = UNet(ctx_dim=128).to(dev), TextEncoder(tok.vocab_size).to(dev)
    main, coords = split_params(unet, te)
    params = main + coords
    opt = torch.optim.AdamW([{"params": main}, {"params": coords}], lr=a.lr, weight_decay=0.01)
    state = {"step": 0, "losses": [], "seconds": 0.0}
    warm_from = 0  # the step the optimizer started at: its learning rate warms up from there
    if a.resume and os.path.exists(path):
        ck = torch.load(path, map_location="cpu")
        if "opt" not in ck:
            # A weights-only checkpoint (slim_checkpoint.py, to move a run between machines): the
            # averaged weights seed both copies, and a fresh optimizer warms up again.
            ck = {**ck, "unet": ck["ema_unet"], "te": ck["ema_te"]}
        # Checkpoints from before the coordinate inputs existed lack them: they start at zero.
        for model, key in ((unet, "unet"), (ema_unet, "ema_unet")):
            missing, unexpected = model.load_state_dict(ck[key], strict=False)
            if unexpected or any(".coords." not in k for k in missing):
                raise RuntimeError(f"{path} does not match the UNet: missing {missing}, unexpected {unexpected}")
        te.load_state_dict(ck["te"]), ema_te.load_state_dict(ck["ema_te"])
        if "opt" not in ck:
            warm_from = ck["state"]["step"]
            log("unet: weights-only checkpoint; the optimizer starts afresh")
        elif len(ck["opt"]["param_groups"]) == 1:
            opt = torch.optim.AdamW(main, lr=a.lr, weight_decay=0.01)
            opt.load_state_dict(ck["opt"])
            opt.add_param_group({"params": coords})
            log("unet: checkpoint predates the coordinate inputs; they start at zero")
        else:
            opt.load_state_dict(ck["opt"])
        state = ck["state"]
        torch.set_rng_state(ck["rng"])
        log(f"unet: resuming at step {state['step']}")
    else:
        ema_unet.load_state_dict(unet.state_dict()), ema_te.load_state_dict(te.state_dict())
    for m in (ema_unet, ema_te):
        m.eval().requires_grad_(False)
    ema_params = sum(split_params(ema_unet, ema_te), [])
    acp = alphas_cumprod().to(dev)
    snr = acp / (1 - acp)
    weight = snr.clamp(max=5.0) / snr  # min-SNR-5 weighting (Hang et al. 2023) for epsilon targets
    # The whole set lives where the model does (on a GPU, in its memory): no copy per step.
    lat_all, ids_all = data["latents"].to(dev), data["ids"].to(dev)
    empty = torch.tensor(tok(""), dtype=torch.long, device=dev)
    n = lat_all.shape[0]
    t_start = time.time() - state["seconds"]
    last_save = time.time()
    first_step, t_first = state["step"], time.time()

    def save():
        state["seconds"] = time.time() - t_start
        torch.save({"unet": unet.state_dict(), "te": te.state_dict(), "ema_unet": ema_unet.state_dict(),
                    "ema_te": ema_te.state_dict(), "opt": opt.state_dict(), "state": state,
                    "rng": torch.get_rng_state()}, path + ".tmp")
        os.replace(path + ".tmp", path)

    while state["step"] < a.unet_steps:
        step = state["step"]
        if step == first_step + 20:
            t_warm = time.time()  # the first steps are slow (kernel choice, caches): not counted
        if a.minutes and step == first_step + 120:
            fit_to_minutes(a, step, (time.time() - t_first) / 60, (time.time() - t_warm) / 100 / 60, first_step)
        lr = a.lr * min(1.0, (step - warm_from + 1) / 200)
        if a.lr_decay_steps and step >= a.unet_steps - a.lr_decay_steps:
            # Linear cool-down over the last steps: the largest late gain in sample quality for its cost.
            lr *= max(0.02, (a.unet_steps - step) / a.lr_decay_steps)
        for g in opt.param_groups:
            g["lr"] = lr
        idx = torch.randint(0, n, (a.batch,), device=dev)
        z0, ids = lat_all[idx], ids_all[idx]  # indexing copies: ids can be changed in place
        ids[torch.rand(a.batch, device=dev) < 0.1] = empty  # caption dropout: an unconditional model for guidance
        t = torch.randint(0, 1000, (a.batch,), device=dev)
        # Offset noise: lets the model move the whole image's mean (a background colour) from noise.
        noise = torch.randn_like(z0) + 0.1 * torch.randn(a.batch, z0.shape[1], 1, 1, device=dev)
        at = acp[t].view(-1, 1, 1, 1)
        zt = at.sqrt() * z0 + (1 - at).sqrt() * noise
        pred = unet(zt, t, te(ids))
        loss = (weight[t] * (pred - noise).pow(2).mean((1, 2, 3))).mean()
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        decay = min(0.999, (1 + step) / (10 + step))
        with torch.no_grad():
            # One fused update over all tensors: on a GPU a loop of small ops costs more than the step.
            torch._foreach_mul_(ema_params, decay)
            torch._foreach_add_(ema_params, [p.detach() for p in params], alpha=1 - decay)
        state["step"] = step + 1
        state["losses"].append(loss.item())
        if step % 50 == 0:
            recent = state["losses"][-50:]
            log(f"unet step {step}/{a.unet_steps} loss {sum(recent) / len(recent):.4f} lr {lr:.2e}")
        if a.sample_every and (step + 1) % a.sample_every == 0:
            lat = sample_ddim(ema_unet, ema_te, tok, MONITOR_PROMPTS, [0, 1], dev)
            grid(to_pil(nae, lat, dev), len(MONITOR_PROMPTS)).save(os.path.join(work, "samples-latest.png"))
            log("unet: wrote", os.path.join(work, "samples-latest.png"))
        if time.time() - last_save > 180:
            save()
            last_save = time.time()
    save()
    return ema_unet, ema_te, state


def fit_to_minutes(a, step, minutes_so_far, per_step, first_step):
    """Shorten the run so that this invocation's UNet stage ends within --minutes, from the time per
    step measured on this machine."""
    fits = step + int((a.minutes - minutes_so_far) / per_step)
    if fits < a.unet_steps:
        a.unet_steps = max(step + 1, fits)
        # A run cut short still cools down, but over at most half of this invocation's steps.
        a.lr_decay_steps = min(a.lr_decay_steps, (a.unet_steps - first_step) // 2)
    log(f"unet: {per_step * 60000:.1f} ms/step; running to step {a.unet_steps} to end within {a.minutes} min "
        f"(cool-down over the last {a.lr_decay_steps})")


class UNetExport(torch.nn.Module):
    def __init__(self, unet):
        super().__init__()
        self.unet = unet

    def forward(self, sample, timestep, encoder_hidden_states):
        return self.unet(sample, timestep, encoder_hidden_states)


class EncoderExport(torch.nn.Module):
    def __init__(self, nae):
        super().__init__()
        self.nae = nae

    def forward(self, sample):
        return self.nae.encode_raw(sample)


class DecoderExport(torch.nn.Module):
    def __init__(self, nae):
        super().__init__()
        self.nae = nae

    def forward(self, latent_sample):
        return self.nae.decode_raw(latent_sample)


def export_onnx(module, args, path, inputs, outputs, axes):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    module = module.cpu().eval()
    with torch.no_grad():
        torch.onnx.export(module, args, path, input_names=inputs, output_names=outputs, dynamic_axes=axes,
                          opset_version=17, do_constant_folding=True)


def fit_preview(nae, data, dev):
    """Least-squares map from a UNet-space latent pixel to the RGB (-1..1) of its 8x8 patch."""
    lat = data["latents"][:2048]
    with torch.no_grad():
        imgs = torch.cat([nae.decode_raw(nae.from_unet(lat[i:i + 256].to(dev))).cpu() for i in range(0, len(lat), 256)])
    rgb = F.avg_pool2d(imgs.clamp(-1, 1), 8)  # [N,3,16,16]
    X = lat.permute(0, 2, 3, 1).reshape(-1, lat.shape[1])
    X = torch.cat([X, torch.ones(X.shape[0], 1)], 1).double()
    Y = rgb.permute(0, 2, 3, 1).reshape(-1, 3).double()
    sol = torch.linalg.lstsq(X, Y).solution
    err = (X @ sol - Y).pow(2).mean().sqrt().item()
    return sol[:-1].float().tolist(), sol[-1].float().tolist(), err


def loss_plot(losses, path):
    w, h, pad = 640, 320, 40
    img = Image.new("RGB", (w, h), "white")
    d = ImageDraw.Draw(img)
    k = max(1, len(losses) // 200)
    pts = [sum(losses[i:i + k]) / len(losses[i:i + k]) for i in range(0, len(losses), k)]
    lo, hi = min(pts), max(pts)
    xy = [(pad + i * (w - 2 * pad) / max(1, len(pts) - 1), h - pad - (p - lo) / max(hi - lo, 1e-9) * (h - 2 * pad))
          for i, p in enumerate(pts)]
    d.rectangle([pad, pad, w - pad, h - pad], outline=(180, 180, 180))
    if len(xy) > 1:
        d.line(xy, fill=(40, 90, 220), width=2)
    d.text((pad, 10), f"UNet training loss (min-SNR weighted), {len(losses)} steps; {lo:.4f}..{hi:.4f}", fill="black")
    img.save(path)


def write_model(a, nae, tok, data, unet, te, ae_state, unet_state, dev, work, t_all):
    out = a.out
    tmp = out.rstrip("/") + ".tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp)
    tok.save(os.path.join(tmp, "tokenizer"))
    ids = torch.tensor([tok("a red circle")], dtype=torch.long)
    export_onnx(te, (ids,), os.path.join(tmp, "text_encoder", "model.onnx"), ["input_ids"], ["last_hidden_state"],
                {"input_ids": {0: "batch", 1: "sequence"}, "last_hidden_state": {0: "batch", 1: "sequence"}})
    lat = torch.randn(2, 4, 16, 16)
    export_onnx(UNetExport(unet), (lat, torch.tensor([999], dtype=torch.long), torch.randn(2, 77, 128)),
                os.path.join(tmp, "unet", "model.onnx"), ["sample", "timestep", "encoder_hidden_states"], ["out_sample"],
                {"sample": {0: "batch", 2: "height", 3: "width"}, "timestep": {0: "steps"},
                 "encoder_hidden_states": {0: "batch", 1: "sequence"}, "out_sample": {0: "batch", 2: "height", 3: "width"}})
    export_onnx(EncoderExport(nae), (torch.randn(1, 3, 128, 128),), os.path.join(tmp, "vae_encoder", "model.onnx"),
                ["sample"], ["latent_sample"], {"sample": {0: "batch", 2: "height", 3: "width"},
                                                "latent_sample": {0: "batch", 2: "height", 3: "width"}})
    export_onnx(DecoderExport(nae), (torch.randn(1, 4, 16, 16),), os.path.join(tmp, "vae_decoder", "model.onnx"),
                ["latent_sample"], ["sample"], {"latent_sample": {0: "batch", 2: "height", 3: "width"},
                                                "sample": {0: "batch", 2: "height", 3: "width"}})
    nae.to(dev)
    vae_cfg = {"_class_name": "AutoencoderKL", "in_channels": 3, "out_channels": 3, "latent_channels": 4,
               "sample_size": 128, "scaling_factor": nae.scaling_factor, "shift_factor": nae.shift_factor}
    for part in ("vae_encoder", "vae_decoder"):
        json.dump(vae_cfg, open(os.path.join(tmp, part, "config.json"), "w"), indent=2)
    json.dump({"_class_name": "UNet2DConditionModel", "in_channels": 4, "out_channels": 4, "sample_size": 16,
               "cross_attention_dim": 128, "block_out_channels": [48, 96, 128], "prediction_type": "epsilon"},
              open(os.path.join(tmp, "unet", "config.json"), "w"), indent=2)
    json.dump({"_class_name": "CLIPTextModel", "hidden_size": 128, "num_hidden_layers": 2,
               "max_position_embeddings": 77, "vocab_size": tok.vocab_size},
              open(os.path.join(tmp, "text_encoder", "config.json"), "w"), indent=2)
    os.makedirs(os.path.join(tmp, "scheduler"))
    json.dump({"_class_name": "EulerAncestralDiscreteScheduler", **SCHEDULE, "steps_offset": 1,
               "timestep_spacing": "leading", "prediction_type": "epsilon", "clip_sample": False,
               "set_alpha_to_one": False, "skip_prk_steps": True},
              open(os.path.join(tmp, "scheduler", "scheduler_config.json"), "w"), indent=2)
    json.dump({"_class_name": "OnnxStableDiffusionPipeline", "_diffusers_version": "0.30.0",
               "feature_extractor": [None, None], "requires_safety_checker": False, "safety_checker": [None, None],
               "scheduler": ["diffusers", "EulerAncestralDiscreteScheduler"],
               "text_encoder": ["diffusers", "OnnxRuntimeModel"], "tokenizer": ["transformers", "CLIPTokenizer"],
               "unet": ["diffusers", "OnnxRuntimeModel"], "vae_decoder": ["diffusers", "OnnxRuntimeModel"],
               "vae_encoder": ["diffusers", "OnnxRuntimeModel"]},
              open(os.path.join(tmp, "model_index.json"), "w"), indent=2)
    factors, bias, err = fit_preview(nae, data, dev)
    json.dump({"name": os.path.basename(out.rstrip("/")),
               "description": "Tiny text-to-image model of coloured shapes, trained from scratch by models/recipe",
               "defaults": {"steps": 20, "guidance": 7.0, "sampler": "euler-a", "width": 128, "height": 128},
               "latent_rgb_factors": factors, "latent_rgb_factors_bias": bias, "latent_rgb_rmse": err},
              open(os.path.join(tmp, "imagine-model.json"), "w"), indent=2)
    rep = os.path.join(tmp, "report")
    os.makedirs(rep)
    loss_plot(unet_state["losses"], os.path.join(rep, "loss.png"))
    lat = sample_ddim(unet.to(dev), te.to(dev), tok, MONITOR_PROMPTS, [0, 1, 2, 3], dev)
    grid(to_pil(nae, lat, dev), len(MONITOR_PROMPTS)).save(os.path.join(rep, "samples.png"))
    losses = unet_state["losses"]
    tail = losses[-200:]
    with open(os.path.join(rep, "training-report.md"), "w") as f:
        f.write(f"""# Training report: {os.path.basename(out.rstrip('/'))}

Made by `/usr/bin/python3 models/recipe/train.py {' '.join(sys.argv[1:])}`.

| what | value |
|---|---|
| seed | {a.seed} |
| machine | {platform.machine()}, {os.cpu_count()} CPUs, torch {torch.__version__}, device {dev}, {torch.get_num_threads()} threads |
| autoencoder | {ae_state['steps']} steps of batch {a.ae_batch}, {ae_state['seconds'] / 60:.1f} min, reconstruction PSNR {ae_state['psnr']:.2f} dB |
| latent statistics | scaling_factor {nae.scaling_factor:.5f}, shift_factor {nae.shift_factor:.5f} |
| data | {len(data['captions'])} rendered scenes (shares of single, count, relation: {', '.join(map(str, data['mix']))}), encoded once (held out: {', '.join(' '.join(p) for p in scenes.HELD_OUT)}) |
| UNet + text encoder | {unet_state['step']} steps of batch {a.batch}, lr {a.lr}{f' (linear decay over the last {a.lr_decay_steps} steps)' if a.lr_decay_steps else ''}, {unet_state['seconds'] / 60:.1f} min; final loss (mean of last {len(tail)}) {sum(tail) / max(1, len(tail)):.4f} |
| preview projection | latent -> RGB least squares, RMSE {err:.4f} (RGB in -1..1) |
| wall time, this invocation | {(time.time() - t_all) / 60:.1f} min |

- `loss.png`: the training loss.
- `samples.png`: DDIM 20 steps, CFG 7, seeds 0-3 (rows), prompts (columns): {'; '.join(MONITOR_PROMPTS)}.
  "a purple star" and "an orange heart ..." are held-out combinations, never seen in training.
""")
    shutil.rmtree(out, ignore_errors=True)
    os.replace(tmp, out)
    log("wrote", out)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", default="models/tiny-shapes")
    p.add_argument("--work", default=None, help="checkpoints and caches (default: models/.work/<name>)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--ae-steps", type=int, default=2000)
    p.add_argument("--ae-batch", type=int, default=32)
    p.add_argument("--data", type=int, default=48000, help="scenes rendered and encoded for UNet training")
    p.add_argument("--unet-steps", type=int, default=9500)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--lr", type=float, default=6e-4)
    p.add_argument("--lr-decay-steps", type=int, default=2000,
                   help="decay the learning rate linearly to ~0 over the last N UNet steps (0: constant)")
    p.add_argument("--minutes", type=float, default=0,
                   help="end this invocation's UNet training within this many minutes, stopping at an "
                        "earlier step than --unet-steps if need be (0: no limit)")
    p.add_argument("--mix", default=",".join(map(str, scenes.DEFAULT_MIX)),
                   help="shares of single-object, count and relation scenes in the UNet's data")
    p.add_argument("--sample-every", type=int, default=400)
    p.add_argument("--skip-export", action="store_true",
                   help="stop after training, leaving the checkpoint in --work (export later with --resume)")
    p.add_argument("--threads", type=int, default=os.cpu_count())
    p.add_argument("--resume", action="store_true", help="reuse finished stages and continue the UNet")
    p.add_argument("--smoke", action="store_true", help="a few steps of every stage, for CI")
    a = p.parse_args()
    for flag in ("unet_steps", "ae_steps", "ae_batch", "data", "batch", "threads"):
        if getattr(a, flag) < 1:
            p.error(f"--{flag.replace('_', '-')} must be at least 1 (got {getattr(a, flag)})")
    if a.sample_every < 0:
        p.error(f"--sample-every must be 0 (never) or more (got {a.sample_every})")
    if not 0 <= a.lr_decay_steps <= a.unet_steps:
        p.error(f"--lr-decay-steps must be from 0 to --unet-steps ({a.unet_steps}) (got {a.lr_decay_steps})")
    if not (math.isfinite(a.minutes) and a.minutes >= 0):
        p.error(f"--minutes must be 0 (no limit) or a positive number (got {a.minutes})")
    try:
        mix = tuple(float(v) for v in a.mix.split(","))
    except ValueError:
        mix = ()
    # Written so that nan fails every comparison and is rejected.
    if len(mix) != 3 or not all(0 <= v <= 1 for v in mix) or not abs(sum(mix) - 1) <= 1e-6:
        p.error(f"--mix must be three shares (single, count, relation) from 0 to 1 that sum to 1, "
                f"as 0.4,0.25,0.35 (got {a.mix or 'an empty value'})")
    a.mix = mix
    if a.smoke:
        a.ae_steps, a.ae_batch, a.data, a.unet_steps, a.batch, a.sample_every, a.lr_decay_steps = 3, 4, 128, 3, 8, 0, 2
    t_all = time.time()
    torch.set_num_threads(a.threads)
    dev = "cuda" if torch.cuda.is_available() else "cpu"
    if dev == "cuda":
        torch.backends.cuda.matmul.allow_tf32 = torch.backends.cudnn.allow_tf32 = True
        torch.backends.cudnn.benchmark = True  # every batch has the same shapes
    name = os.path.basename(a.out.rstrip("/"))
    work = a.work or os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".work", name)
    os.makedirs(work, exist_ok=True)
    log(f"training {name} on {dev} with {a.threads} threads; work folder {work}")
    tok = Tokenizer(scenes.all_words())
    ae_state = train_autoencoder(a, dev, work)
    nae = NormalisedAE(ae_state).to(dev).eval().requires_grad_(False)
    data = encode_dataset(a, nae, tok, dev, work)
    unet, te, unet_state = train_unet(a, nae, tok, data, dev, work)
    if a.skip_export:
        log(f"trained to step {unet_state['step']}; checkpoint in {work}")
        return
    write_model(a, nae, tok, data, unet, te, ae_state, unet_state, dev, work, t_all)


if __name__ == "__main__":
    main()
