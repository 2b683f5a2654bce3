"""
Extra golden scheduler trajectories from huggingface/diffusers itself, for the settings the main
reference file (test/fixtures/reference/diffusers-scheduler-reference.json) does not cover:
rescale_betas_zero_snr in every scheduler, v-prediction in LCM and in DPM-Solver++ on Karras sigmas,
and the SDXL / SDXL-Turbo scheduler configs. Same toy model, initial sample and noise draws as that
file (see reference-data.ts). Run with diffusers' source on PYTHONPATH (v0.31.0 was used):

  PYTHONPATH=<diffusers>/src:<stubs> /usr/bin/python3 make_reference.py > diffusers-extra.json
"""
import json
import math
import sys

import torch
import diffusers
from diffusers import (DDIMScheduler, DPMSolverMultistepScheduler, EulerAncestralDiscreteScheduler,
                       EulerDiscreteScheduler, LCMScheduler)

torch.set_default_dtype(torch.float64)
SD = {"beta_start": 0.00085, "beta_end": 0.012, "beta_schedule": "scaled_linear", "num_train_timesteps": 1000}
ZSNR = {**SD, "prediction_type": "v_prediction", "rescale_betas_zero_snr": True, "timestep_spacing": "trailing"}
# stabilityai/stable-diffusion-xl-base-1.0 and sdxl-turbo scheduler_config.json (the keys the samplers read).
SDXL = {**SD, "steps_offset": 1, "timestep_spacing": "leading", "prediction_type": "epsilon"}
TURBO = {**SD, "steps_offset": 1, "timestep_spacing": "trailing", "prediction_type": "epsilon"}

CASES = [
    ("EulerDiscreteScheduler", ZSNR, {}),
    ("EulerAncestralDiscreteScheduler", ZSNR, {}),
    ("DDIMScheduler", {**ZSNR, "clip_sample": False}, {"eta": 0.0}),
    ("DPMSolverMultistepScheduler", {**ZSNR, "algorithm_type": "dpmsolver++", "solver_order": 2}, {}),
    ("DPMSolverMultistepScheduler", {**SD, "prediction_type": "v_prediction", "use_karras_sigmas": True, "algorithm_type": "dpmsolver++", "solver_order": 2}, {}),
    ("LCMScheduler", {**SD, "prediction_type": "v_prediction"}, {}),
    ("LCMScheduler", ZSNR, {}),
    ("EulerDiscreteScheduler", SDXL, {}),
    ("EulerAncestralDiscreteScheduler", TURBO, {}),
    ("LCMScheduler", TURBO, {}),
]
CLASSES = {c.__name__: c for c in [DDIMScheduler, DPMSolverMultistepScheduler, EulerAncestralDiscreteScheduler, EulerDiscreteScheduler, LCMScheduler]}


def toy(x, t):
    return torch.tanh(x) * (float(t) / 1000) + 0.05 * torch.cos(3 * x)


def run(name, config, kwargs, steps):
    sched = CLASSES[name].from_config(config)
    sched.set_timesteps(steps)
    draws = []

    def fake_randn(shape, generator=None, device=None, dtype=None, layout=None):
        k = len(draws)
        n = math.prod(shape)
        d = [math.sin(1.7 * i + 0.37 * (k + 1)) * 1.2 for i in range(n)]
        draws.append(d)
        return torch.tensor(d, dtype=torch.float64).reshape(shape)

    module = sys.modules[CLASSES[name].__module__]
    module.randn_tensor = fake_randn
    sigma0 = float(sched.init_noise_sigma)
    x = torch.tensor([(((i * 7919) % 97) / 97 * 2 - 1) * sigma0 for i in range(64)]).reshape(1, 4, 4, 4)
    x_initial = x.flatten().tolist()
    trace = []
    for t in sched.timesteps:
        inp = sched.scale_model_input(x, t)
        x = sched.step(toy(inp, t), t, x, **kwargs).prev_sample
        trace.append({"t": float(t), "x_first8": x.flatten()[:8].tolist()})
    sig = getattr(sched, "sigmas", None)
    return {
        "scheduler": name,
        "config": config,
        "step_kwargs": kwargs,
        "steps": steps,
        "timesteps": [float(t) for t in sched.timesteps],
        **({"sigmas": [float(s) for s in sig]} if sig is not None else {}),
        "init_noise_sigma": sigma0,
        "x_initial": x_initial,
        "noise_draws": draws,
        "trace": trace,
        "x_final": x.flatten().tolist(),
    }


cases = [run(n, c, k, s) for n, c, k in CASES for s in (1, 4, 20)]
json.dump({"source": f"huggingface/diffusers {diffusers.__version__} schedulers, float64 sample, toy model as the main reference file", "cases": cases}, sys.stdout)
