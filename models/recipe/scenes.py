"""Procedural captioned scenes: the training data of the embedded model, rendered on the fly.

The vocabulary lives in scene-vocab.json so that the TypeScript analyser scores generated images
against exactly the colours, shapes and rules that the model was trained on.
"""
import json
import math
import os
import random

from PIL import Image, ImageDraw

VOCAB = json.load(open(os.path.join(os.path.dirname(__file__), "scene-vocab.json")))
SIZE = VOCAB["image_size"]
COLOURS = {name: tuple(rgb) for name, rgb in VOCAB["colours"].items()}
SHAPES = VOCAB["shapes"]
DEFAULT_BG = tuple(VOCAB["default_background"])
COUNT_WORDS = VOCAB["count_words"]  # word -> n
HELD_OUT = {tuple(pair) for pair in VOCAB["held_out"]}  # (colour, shape) never trained on
OBJ = VOCAB["object_px"]  # size word -> [min, max] bounding-box side in pixels
POS = VOCAB["positions"]  # phrase -> [x0, x1, y0, y1] range of the object centre, in 0..1
REL = VOCAB["relations"]  # phrase -> [dx sign, dy sign]
MARGIN = VOCAB["min_gap_px"]


def plural(shape):
    return shape + "s"


def _shape_points(shape, cx, cy, s):
    """Polygon (or ellipse box) of a shape whose bounding box is s x s around (cx, cy)."""
    r = s / 2
    if shape in ("circle", "square"):
        return [cx - r, cy - r, cx + r, cy + r]
    if shape == "triangle":
        return [(cx, cy - r), (cx + r, cy + r), (cx - r, cy + r)]
    if shape == "star":
        pts = []
        for k in range(10):
            rad = r if k % 2 == 0 else r * 0.45
            a = -math.pi / 2 + k * math.pi / 5
            pts.append((cx + rad * math.cos(a), cy + r * 0.1 + rad * math.sin(a)))
        return pts
    if shape == "heart":
        pts = []
        for k in range(64):
            t = 2 * math.pi * k / 64
            x = 16 * math.sin(t) ** 3
            y = 13 * math.cos(t) - 5 * math.cos(2 * t) - 2 * math.cos(3 * t) - math.cos(4 * t)
            pts.append((cx + x / 16.5 * r, cy - (y + 2.5) / 15.5 * r))
        return pts
    raise ValueError(f"unknown shape {shape!r}")


def render(scene, supersample=4):
    """Render a scene dict {background, objects:[{colour, shape, cx, cy, s}]} to a PIL image."""
    k = supersample
    img = Image.new("RGB", (SIZE * k, SIZE * k), COLOURS.get(scene["background"], DEFAULT_BG)
                    if scene["background"] != "default" else DEFAULT_BG)
    draw = ImageDraw.Draw(img)
    for o in scene["objects"]:
        pts = _shape_points(o["shape"], o["cx"] * k, o["cy"] * k, o["s"] * k)
        fill = COLOURS[o["colour"]]
        if o["shape"] == "circle":
            draw.ellipse(pts, fill=fill)
        elif o["shape"] == "square":
            draw.rectangle(pts, fill=fill)
        else:
            draw.polygon(pts, fill=fill)
    return img.resize((SIZE, SIZE), Image.BOX)


def _fits(objs, cx, cy, s):
    r = s / 2
    if cx - r < MARGIN or cy - r < MARGIN or cx + r > SIZE - MARGIN or cy + r > SIZE - MARGIN:
        return False
    for o in objs:
        if abs(o["cx"] - cx) < (o["s"] + s) / 2 + MARGIN and abs(o["cy"] - cy) < (o["s"] + s) / 2 + MARGIN:
            return False
    return True


def _size_px(rng, size_word):
    lo, hi = OBJ[size_word]
    return rng.uniform(lo, hi)


def _place(rng, objs, s, region=None, tries=200):
    for _ in range(tries):
        if region:
            x0, x1, y0, y1 = region
            cx, cy = rng.uniform(x0, x1) * SIZE, rng.uniform(y0, y1) * SIZE
        else:
            cx, cy = rng.uniform(s / 2 + MARGIN, SIZE - s / 2 - MARGIN), rng.uniform(s / 2 + MARGIN, SIZE - s / 2 - MARGIN)
        if _fits(objs, cx, cy, s):
            return cx, cy
    return None


def _pick_object(rng, exclude_colours=(), allow_held_out=False):
    while True:
        c = rng.choice(list(COLOURS))
        sh = rng.choice(SHAPES)
        if c in exclude_colours:
            continue
        if not allow_held_out and (c, sh) in HELD_OUT:
            continue
        return c, sh


def _with_background(rng, scene, caption, p_background):
    used = {o["colour"] for o in scene["objects"]}
    if rng.random() < p_background:
        bg = rng.choice([c for c in COLOURS if c not in used])
        scene["background"] = bg
        caption += f" on a {bg} background"
    return scene, caption


def _article(size_word, colour):
    """'a big red', 'an orange': the indefinite article agrees with the next word."""
    nxt = size_word or colour
    return ("an " if nxt[0] in "aeiou" else "a ") + (f"{size_word} " if size_word else "")


def sample_single(rng, allow_held_out=False, p_background=0.3):
    c, sh = _pick_object(rng, exclude_colours=("default",), allow_held_out=allow_held_out)
    size_word = rng.choice(["small", "big", None])
    s = _size_px(rng, size_word or rng.choice(["small", "big"]))
    pos = rng.choice(list(POS) + [None, None])
    for _ in range(50):
        xy = _place(rng, [], s, POS[pos] if pos else None)
        if xy:
            break
    cx, cy = xy
    scene = {"background": "default", "objects": [{"colour": c, "shape": sh, "cx": cx, "cy": cy, "s": s}]}
    lead = "one " + (f"{size_word} " if size_word else "") if rng.random() < 0.3 else _article(size_word, c)
    caption = f"{lead}{c} {sh}"
    if pos:
        caption += " " + pos
    scene["kind"], scene["position"] = "single", pos
    return _with_background(rng, scene, caption, p_background)


def sample_count(rng, allow_held_out=False, p_background=0.3):
    c, sh = _pick_object(rng, allow_held_out=allow_held_out)
    n = rng.choice([2, 3, 4])
    size_word = rng.choice(["small", "big", None])
    base = size_word or rng.choice(["small", "big"])
    while True:
        objs = []
        for _ in range(n):
            s = _size_px(rng, base)
            xy = _place(rng, objs, s)
            if xy is None:
                break
            objs.append({"colour": c, "shape": sh, "cx": xy[0], "cy": xy[1], "s": s})
        if len(objs) == n:
            break
    word = {2: "two", 3: "three", 4: "four"}[n]
    caption = f"{word} {size_word + ' ' if size_word else ''}{c} {plural(sh)}"
    scene = {"background": "default", "objects": objs, "kind": "count", "count": n}
    return _with_background(rng, scene, caption, p_background)


def sample_relation(rng, allow_held_out=False, p_background=0.3):
    c1, s1 = _pick_object(rng, allow_held_out=allow_held_out)
    while True:
        c2, s2 = _pick_object(rng, allow_held_out=allow_held_out)
        if (c2, s2) != (c1, s1):
            break
    rel = rng.choice(list(REL))
    dx, dy = REL[rel]
    z1, z2 = rng.choice(["small", "big", None]), rng.choice(["small", "big", None])
    for _ in range(500):
        a = _size_px(rng, z1 or rng.choice(["small", "big"]))
        b = _size_px(rng, z2 or rng.choice(["small", "big"]))
        pa = _place(rng, [], a)
        if not pa:
            continue
        # B sits on the far side of A along the relation's axis, roughly aligned on the other.
        gap = (a + b) / 2 + MARGIN + rng.uniform(2, 24)
        bx = pa[0] - dx * gap + (rng.uniform(-14, 14) if dx == 0 else 0)
        by = pa[1] - dy * gap + (rng.uniform(-14, 14) if dy == 0 else 0)
        objs = [{"colour": c1, "shape": s1, "cx": pa[0], "cy": pa[1], "s": a}]
        if _fits(objs, bx, by, b):
            objs.append({"colour": c2, "shape": s2, "cx": bx, "cy": by, "s": b})
            break
    caption = f"{_article(z1, c1)}{c1} {s1} {rel} {_article(z2, c2)}{c2} {s2}"
    scene = {"background": "default", "objects": objs, "kind": "relation", "relation": rel}
    return _with_background(rng, scene, caption, p_background)


SAMPLERS = (sample_single, sample_count, sample_relation)
DEFAULT_MIX = (0.4, 0.25, 0.35)  # shares of single-object, count and relation scenes


def sample_scene(rng, allow_held_out=False, mix=DEFAULT_MIX):
    r, acc = rng.random(), 0.0
    for fn, p in zip(SAMPLERS, mix):
        acc += p
        if r < acc:
            return fn(rng, allow_held_out)
    return SAMPLERS[-1](rng, allow_held_out)


def all_words():
    """Every word a caption can contain, for the tokenizer."""
    words = set(COLOURS) | set(SHAPES) | {plural(s) for s in SHAPES} | set(COUNT_WORDS)
    words |= {"small", "big", "on", "a", "an", "background"}
    for phrase in list(POS) + list(REL):
        words |= set(phrase.split())
    return sorted(words)


if __name__ == "__main__":
    # Render a ground-truth set for the analyser check: out_dir/NNNN.png + labels.json
    import sys
    out, n, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]) if len(sys.argv) > 3 else 0
    os.makedirs(out, exist_ok=True)
    rng = random.Random(seed)
    labels = []
    for i in range(n):
        scene, caption = sample_scene(rng, allow_held_out=True)
        render(scene).save(os.path.join(out, f"{i:04d}.png"))
        labels.append({"file": f"{i:04d}.png", "caption": caption, "scene": scene})
    json.dump(labels, open(os.path.join(out, "labels.json"), "w"), indent=1)
