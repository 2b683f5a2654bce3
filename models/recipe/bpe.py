"""A CLIP-style byte-pair vocabulary learnt from the scene language.

Same layout as CLIP's (and so as Stable Diffusion's `vocab.json` + `merges.txt`): the 256
byte-level symbols, the same with `</w>`, one entry per merge, then <|startoftext|> and
<|endoftext|>. The merges are learnt Sennrich-style until every caption word is one token, so the
engine's ordinary CLIP tokenizer reads this model's prompts with no special case.
"""
import collections
import json
import os


def bytes_to_unicode():
    """GPT-2 / CLIP byte -> printable unicode table."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, map(chr, cs)))


def learn_merges(words):
    """Merge the most frequent adjacent pair (ties: lexicographic) until each word is one symbol."""
    b2u = bytes_to_unicode()
    seqs = {}
    for w in words:
        chars = [b2u[b] for b in w.encode("utf-8")]
        chars[-1] += "</w>"
        seqs[w] = chars
    merges = []
    while any(len(s) > 1 for s in seqs.values()):
        counts = collections.Counter()
        for s in seqs.values():
            for a, b in zip(s, s[1:]):
                counts[(a, b)] += 1
        best = min(counts, key=lambda p: (-counts[p], p))
        merges.append(best)
        for w, s in seqs.items():
            out, i = [], 0
            while i < len(s):
                if i < len(s) - 1 and (s[i], s[i + 1]) == best:
                    out.append(s[i] + s[i + 1])
                    i += 2
                else:
                    out.append(s[i])
                    i += 1
            seqs[w] = out
    return merges


class Tokenizer:
    """Encodes the scene language exactly as a CLIP tokenizer given vocab.json + merges.txt does."""

    def __init__(self, words, max_length=77):
        b2u = bytes_to_unicode()
        base = list(b2u.values())
        self.merges = learn_merges(words)
        vocab = base + [v + "</w>" for v in base] + ["".join(m) for m in self.merges]
        vocab += ["<|startoftext|>", "<|endoftext|>"]
        self.encoder = {tok: i for i, tok in enumerate(vocab)}
        self.bos, self.eos = self.encoder["<|startoftext|>"], self.encoder["<|endoftext|>"]
        self.max_length = max_length
        self.ranks = {m: i for i, m in enumerate(self.merges)}
        self.b2u = b2u

    def _bpe(self, word):
        parts = [self.b2u[b] for b in word.encode("utf-8")]
        parts[-1] += "</w>"
        while len(parts) > 1:
            pairs = [(self.ranks.get((a, b), 1 << 30), i) for i, (a, b) in enumerate(zip(parts, parts[1:]))]
            rank, i = min(pairs)
            if rank == 1 << 30:
                break
            parts = parts[:i] + [parts[i] + parts[i + 1]] + parts[i + 2:]
        return [self.encoder[p] for p in parts]

    def __call__(self, text):
        ids = [self.bos]
        for w in text.lower().split():
            ids += self._bpe(w)
        ids = ids[: self.max_length - 1] + [self.eos]
        return ids + [self.eos] * (self.max_length - len(ids))  # padded with EOS, as SD 1.x

    @property
    def vocab_size(self):
        return len(self.encoder)

    def save(self, folder):
        os.makedirs(folder, exist_ok=True)
        json.dump(self.encoder, open(os.path.join(folder, "vocab.json"), "w"), ensure_ascii=False)
        with open(os.path.join(folder, "merges.txt"), "w", encoding="utf-8") as f:
            f.write("#version: 0.2\n")
            for a, b in self.merges:
                f.write(f"{a} {b}\n")
        json.dump({
            "tokenizer_class": "CLIPTokenizer", "model_max_length": self.max_length, "do_lower_case": True,
            "bos_token": "<|startoftext|>", "eos_token": "<|endoftext|>", "pad_token": "<|endoftext|>",
            "unk_token": "<|endoftext|>",
        }, open(os.path.join(folder, "tokenizer_config.json"), "w"), indent=2)
        json.dump({"bos_token": "<|startoftext|>", "eos_token": "<|endoftext|>", "pad_token": "<|endoftext|>",
                   "unk_token": "<|endoftext|>"}, open(os.path.join(folder, "special_tokens_map.json"), "w"), indent=2)
