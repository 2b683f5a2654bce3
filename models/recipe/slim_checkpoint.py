"""Write a weights-only copy of a UNet checkpoint, to carry a run to another machine.

    /usr/bin/python3 models/recipe/slim_checkpoint.py models/.work/tiny-shapes/unet.pt slim.pt

The copy keeps the averaged (EMA) weights of the UNet and text encoder and the run's state (step,
losses, time), and drops the optimizer and the raw weights: about a quarter of the size.
`train.py --resume` continues from it, with a fresh optimizer that warms up again.
"""
import sys

import torch


def main():
    if len(sys.argv) != 3:
        sys.exit(f"usage: {sys.argv[0]} UNET_CHECKPOINT OUT")
    ck = torch.load(sys.argv[1], map_location="cpu")  # CPU tensors: loads anywhere
    slim = {k: ck[k] for k in ("ema_unet", "ema_te", "state", "rng")}
    torch.save(slim, sys.argv[2])
    print(f"{sys.argv[2]}: step {slim['state']['step']}, weights only")


if __name__ == "__main__":
    main()
