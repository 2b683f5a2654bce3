"""Write a weights-only copy of a UNet checkpoint, to carry a run to another machine.

    /usr/bin/python3 models/recipe/slim_checkpoint.py models/.work/tiny-shapes/unet.pt slim.pt

The copy keeps the averaged (EMA) weights of the UNet and text encoder and the run's state (step,
losses, time), and drops the optimizer and the raw weights: about a quarter of the size.
`train.py --resume` continues from it, with a fresh optimizer that warms up again.
"""
import sys

import torch

KEEP = ("ema_unet", "ema_te", "state", "rng")

def main():
    if len(sys.argv) != 3:
        sys.exit(f"usage: {sys.argv[0]} UNET_CHECKPOINT OUT")
    try:
        ck = torch.load(sys.argv[1], map_location="cpu")  # CPU tensors: loads anywhere
    except Exception as err:  # missing, unreadable or not a torch file: all one message
        sys.exit(f"{sys.argv[1]}: cannot read a checkpoint ({err})")
    missing = [k for k in KEEP if not isinstance(ck, dict) or k not in ck]
    if missing:
        sys.exit(f"{sys.argv[1]}: not a UNet checkpoint of train.py (no {', '.join(missing)}); nothing written")
    slim = {k: ck[k] for k in KEEP}
    torch.save(slim, sys.argv[2])
    print(f"{sys.argv[2]}: step {slim['state']['step']}, weights only")


if __name__ == "__main__":
    main()
