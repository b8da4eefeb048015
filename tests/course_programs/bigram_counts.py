"""Bigram character LM by counting, then the same model as a one-layer net trained by gradient descent.

Words are built here (no data file); randomness through torch's generator is only checked for shape and dtype.
"""

import numpy as np
import torch
import torch.nn.functional as F

words = ["emma", "olivia", "ava", "isabella", "sophia", "mia", "amelia", "harper", "evelyn", "abigail"]
chars = [chr(ord("a") + i) for i in range(26)]
stoi = {s: i + 1 for i, s in enumerate(chars)}
stoi["."] = 0
itos = {i: s for s, i in stoi.items()}
V = 27

N = torch.zeros((V, V), dtype=torch.int32)
for w in words:
    cs = ["."] + list(w) + ["."]
    for c1, c2 in zip(cs, cs[1:]):
        ix1, ix2 = stoi[c1], stoi[c2]
        N[ix1, ix2] += 1
print("counts", N.dtype, tuple(N.shape), N.sum().item(), N[0, stoi["a"]].item(), N[0].tolist()[:6])

P = (N + 1).float()
P /= P.sum(1, keepdims=True)
print("P", P.dtype, P.shape, round(P[0].sum().item(), 5), round(P[stoi["a"], 0].item(), 6))

g = torch.Generator().manual_seed(2147483647)
out = []
ix = 0
for _ in range(50):
    p = P[ix]
    ix = torch.multinomial(p, num_samples=1, replacement=True, generator=g).item()
    if ix == 0:
        break
    out.append(itos[ix])
print("sample type", type(ix).__name__, all(c in stoi for c in out))

log_likelihood = 0.0
n = 0
for w in words:
    cs = ["."] + list(w) + ["."]
    for c1, c2 in zip(cs, cs[1:]):
        logprob = torch.log(P[stoi[c1], stoi[c2]])
        log_likelihood += logprob
        n += 1
nll = -log_likelihood
print("nll", type(log_likelihood).__name__, f"{(nll / n).item():.6f}")

xs, ys = [], []
for w in words:
    cs = ["."] + list(w) + ["."]
    for c1, c2 in zip(cs, cs[1:]):
        xs.append(stoi[c1])
        ys.append(stoi[c2])
xs = torch.tensor(xs)
ys = torch.tensor(ys)
num = xs.nelement()
print("xs", xs.dtype, num)

Wr = torch.randn((V, V), generator=g, requires_grad=True)
print("randn", Wr.dtype, tuple(Wr.shape), Wr.requires_grad, Wr.is_leaf)
bi = torch.randint(0, num, (32,), generator=g)
print("randint", bi.dtype, tuple(bi.shape), bool((bi >= 0).all()), bool((bi < num).all()))

W = torch.tensor(np.random.default_rng(0).standard_normal((V, V)), dtype=torch.float32, requires_grad=True)
for k in range(20):
    xenc = F.one_hot(xs, num_classes=V).float()
    logits = xenc @ W
    counts = logits.exp()
    probs = counts / counts.sum(1, keepdims=True)
    loss = -probs[torch.arange(num), ys].log().mean() + 0.01 * (W**2).mean()
    W.grad = None
    loss.backward()
    W.data += -50 * W.grad
    if k % 5 == 0:
        print(f"step {k} loss {loss.item():.6f}")
print("xenc", xenc.dtype, tuple(xenc.shape), probs.shape[1])
