#!/usr/bin/python3
"""
More samplers on the fixture models, against diffusers' own pipelines: Euler ancestral, DPM++ 2M
(plain and Karras) and LCM on sd2-v-tiny (v-prediction) and sdxl-tiny. The torch modules are
rebuilt by test/fixtures/models/make-fixtures.py's build_family (fixed seeds: the same weights as
the exported graphs; the test checks the prompt embeddings agree first). The starting latents are
the engine's own noise for the seed; every noise draw a sampler makes inside a step is
sin(1.7 i + 0.37 (k + 1)) * 1.2 for the k-th draw, as in the scheduler reference files, and the
test feeds the engine the same draws.

  /usr/bin/python3 test/diffusion/parity-extra/make_reference.py \
      --diffusers <diffusers v0.31.0>/src --transformers <transformers ca541bd4f4>/src
"""
import argparse
import importlib.util
import json
import math
import os
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
FIXTURES = os.path.join(REPO, "test", "fixtures", "models")

PROMPT = "a red circle on a blue square, watercolor"
NEGATIVE = "blurry, low quality"
SAMPLERS = ["euler-a", "dpmpp-2m", "dpmpp-2m-karras", "lcm"]
CASE = dict(steps=4, guidance=7.0, width=48, height=48, seed=11)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--diffusers", required=True)
    ap.add_argument("--transformers", required=True)
    args = ap.parse_args()
    spec = importlib.util.spec_from_file_location("make_fixtures", os.path.join(FIXTURES, "make-fixtures.py"))
    mf = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mf)
    mf.import_sources(os.path.abspath(args.diffusers), os.path.abspath(args.transformers), tempfile.mkdtemp(prefix="stubs-"))
    import numpy as np
    import torch
    from diffusers import DPMSolverMultistepScheduler, EulerAncestralDiscreteScheduler, LCMScheduler

    torch.set_num_threads(1)
    draws = []

    def fake_randn(shape, generator=None, device=None, dtype=None, layout=None):
        k = len(draws)
        n = math.prod(shape)
        d = [math.sin(1.7 * i + 0.37 * (k + 1)) * 1.2 for i in range(n)]
        draws.append(d)
        return torch.tensor(d, dtype=dtype or torch.float32).reshape(shape)

    for cls in (EulerAncestralDiscreteScheduler, LCMScheduler, DPMSolverMultistepScheduler):
        sys.modules[cls.__module__].randn_tensor = fake_randn

    h, w = CASE["height"] // 8, CASE["width"] // 8
    start = mf.engine_noise([[CASE["seed"], 4 * h * w]])[0]
    images = []
    doc = {"images": "reference.bin: each case's image, diffusers output_type np [H, W, 3] in 0..1, float32 little-endian at image_offset", "about": __doc__.strip().split("\n\n")[0], "prompt": PROMPT, "negative_prompt": NEGATIVE, **CASE, "families": {}}
    for name in ("sd2-v-tiny", "sdxl-tiny"):
        pipe = mf.build_family(name, tempfile.mkdtemp(prefix="work-"))
        pipe.set_progress_bar_config(disable=True)
        with open(os.path.join(FIXTURES, name, "scheduler", "scheduler_config.json")) as f:
            config = json.load(f)
        with torch.no_grad():
            embeds = pipe.encode_prompt(PROMPT, device="cpu", num_images_per_prompt=1, do_classifier_free_guidance=False)[0]
        fam = {"prompt_embeds_first16": embeds[0].flatten()[:16].tolist(), "cases": {}}
        for sampler in SAMPLERS:
            if sampler == "euler-a":
                pipe.scheduler = EulerAncestralDiscreteScheduler.from_config(config)
            elif sampler == "lcm":
                pipe.scheduler = LCMScheduler.from_config(config)
            else:
                pipe.scheduler = DPMSolverMultistepScheduler.from_config(
                    config, algorithm_type="dpmsolver++", solver_order=2, use_karras_sigmas=sampler.endswith("karras"))
            draws.clear()
            latents = torch.tensor(start, dtype=torch.float32).reshape(1, 4, h, w)
            with torch.no_grad():
                image = pipe(prompt=PROMPT, negative_prompt=NEGATIVE, num_inference_steps=CASE["steps"], guidance_scale=CASE["guidance"],
                             width=CASE["width"], height=CASE["height"], latents=latents, output_type="np").images[0]
            fam["cases"][sampler] = {
                "timesteps": [float(t) for t in pipe.scheduler.timesteps],
                "noise_draws": len(draws),
                "image_offset": len(images) * image.size * 4,
            }
            images.append(np.asarray(image, dtype="<f4").tobytes())
            print(f"{name} {sampler}: {len(draws)} draws", file=sys.stderr)
        doc["families"][name] = fam
    with open(os.path.join(HERE, "reference.json"), "w") as f:
        json.dump(doc, f, indent=1)
    with open(os.path.join(HERE, "reference.bin"), "wb") as f:
        f.write(b"".join(images))


if __name__ == "__main__":
    main()
