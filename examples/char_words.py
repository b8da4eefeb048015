"""The word list of the character-level examples (torch_char_lm.py, torch_char_transformer.py, backprop_by_hand.py),
made here with no download and NumPy only, so a script for either library can import it.

2,000 made-up names built from a fixed set of syllables, so a model has real structure to learn (which letters
follow which); "." marks the start and end of a word and is character 0.
"""

import numpy as np

SYLLABLES = ["ka", "ri", "mo", "le", "an", "na", "ti", "sa", "el", "jo", "ve", "lu", "ma", "de", "ro", "is", "th", "ia"]


def make_words(rng, count=2000):
    """Made-up names of two to four syllables, some ending in a final consonant."""
    words = []
    for _ in range(count):
        word = "".join(rng.choice(SYLLABLES, size=rng.integers(2, 5)))
        if rng.random() < 0.3:
            word += rng.choice(list("nsy"))
        words.append(word)
    return words


def vocabulary(words):
    """(stoi, itos): "." is 0, the letters that occur are 1, 2, ... in alphabetical order."""
    stoi = {ch: i + 1 for i, ch in enumerate(sorted(set("".join(words))))}
    stoi["."] = 0
    return stoi, {i: ch for ch, i in stoi.items()}


def contexts_and_targets(words, stoi, block_size):
    """Every (previous block_size characters, next character) pair in the words, as int64 NumPy arrays."""
    contexts, targets = [], []
    for word in words:
        context = [0] * block_size  # 0 is ".": the start of the word
        for ch in word + ".":
            contexts.append(context)
            targets.append(stoi[ch])
            context = context[1:] + [stoi[ch]]
    return np.array(contexts, dtype=np.int64), np.array(targets, dtype=np.int64)
