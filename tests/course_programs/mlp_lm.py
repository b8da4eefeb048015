"""An MLP character LM with hand-made parameters: embedding by indexing, a learning-rate sweep, split losses."""

import random

import numpy as np
import torch
import torch.nn.functional as F

words = ["emma", "olivia", "ava", "isabella", "sophia", "charlotte", "mia", "amelia", "harper", "evelyn"] * 3
chars = sorted(set("".join(words)))
stoi = {s: i + 1 for i, s in enumerate(chars)}
stoi["."] = 0
itos = {i: s for s, i in stoi.items()}
vocab_size = len(itos)
block_size = 3


def build_dataset(words):
    X, Y = [], []
    for w in words:
        context = [0] * block_size
        for ch in w + ".":
            ix = stoi[ch]
            X.append(context)
            Y.append(ix)
            context = context[1:] + [ix]
    X = torch.tensor(X)
    Y = torch.tensor(Y)
    print(X.shape, X.dtype, Y.shape, Y.dtype)
    return X, Y


random.seed(42)
random.shuffle(words)
n1 = int(0.8 * len(words))
Xtr, Ytr = build_dataset(words[:n1])
Xdev, Ydev = build_dataset(words[n1:])

rng = np.random.default_rng(2147483647)
C = torch.tensor(rng.standard_normal((vocab_size, 10)), dtype=torch.float32)
W1 = torch.tensor(rng.standard_normal((30, 64)), dtype=torch.float32) * 0.2
b1 = torch.tensor(rng.standard_normal(64), dtype=torch.float32) * 0.01
W2 = torch.tensor(rng.standard_normal((64, vocab_size)), dtype=torch.float32) * 0.01
b2 = torch.zeros(vocab_size)
parameters = [C, W1, b1, W2, b2]
print("params", sum(p.nelement() for p in parameters))
for p in parameters:
    p.requires_grad = True

lre = torch.linspace(-3, 0, 1000)
lrs = 10**lre
print("lrs", lrs.dtype, lrs.shape, f"{lrs[0].item():.6f}", f"{lrs[-1].item():.6f}")

emb = C[Xtr]
print("emb", emb.shape)
h = torch.tanh(emb.view(-1, 30) @ W1 + b1)
print("h", h.shape, torch.cat([emb[:, 0, :], emb[:, 1, :], emb[:, 2, :]], 1).shape)
print("unbind", torch.equal(torch.cat(torch.unbind(emb, 1), 1), emb.view(-1, 30)))

lossi = []
stepi = []
batch_rng = np.random.default_rng(0)
for i in range(300):
    ix = torch.tensor(batch_rng.integers(0, Xtr.shape[0], (32,)))
    emb = C[Xtr[ix]]
    h = torch.tanh(emb.view(-1, 30) @ W1 + b1)
    logits = h @ W2 + b2
    loss = F.cross_entropy(logits, Ytr[ix])
    for p in parameters:
        p.grad = None
    loss.backward()
    lr = 0.1 if i < 200 else 0.01
    for p in parameters:
        p.data += -lr * p.grad
    stepi.append(i)
    lossi.append(loss.log10().item())
    if i % 50 == 0:
        print(f"{i:4d}/300 loss {loss.item():.5f}")

print("lossi", type(lossi[0]).__name__, [f"{v:.5f}" for v in torch.tensor(lossi).view(-1, 100).mean(1).tolist()])


@torch.no_grad()
def split_loss(split):
    x, y = {"train": (Xtr, Ytr), "val": (Xdev, Ydev)}[split]
    emb = C[x]
    h = torch.tanh(emb.view(emb.shape[0], -1) @ W1 + b1)
    logits = h @ W2 + b2
    loss = F.cross_entropy(logits, y)
    print(split, f"{loss.item():.5f}", loss.requires_grad)


split_loss("train")
split_loss("val")

g = torch.Generator().manual_seed(2147483647 + 10)
for _ in range(3):
    out = []
    context = [0] * block_size
    while True:
        emb = C[torch.tensor([context])]
        h = torch.tanh(emb.view(1, -1) @ W1 + b1)
        logits = h @ W2 + b2
        probs = F.softmax(logits, dim=1)
        ix = torch.multinomial(probs, num_samples=1, generator=g).item()
        context = context[1:] + [ix]
        out.append(ix)
        if ix == 0 or len(out) > 20:
            break
    print(
        "sampled",
        len(out) >= 1,
        all(isinstance(i, int) for i in out),
        "".join(itos[i] for i in out)[-1:] in itos.values(),
    )
