"""Batch normalisation written by hand in an MLP: running stats, kaiming init, saturation and per-layer grads."""

import numpy as np
import torch
import torch.nn.functional as F

rng = np.random.default_rng(1)
n_embd, n_hidden, vocab_size, block_size = 8, 100, 27, 3
X = torch.tensor(rng.integers(0, vocab_size, (200, block_size)))
Y = torch.tensor(rng.integers(0, vocab_size, (200,)))

C = torch.tensor(rng.standard_normal((vocab_size, n_embd)), dtype=torch.float32)
W1 = (
    torch.tensor(rng.standard_normal((n_embd * block_size, n_hidden)), dtype=torch.float32)
    * (5 / 3)
    / ((n_embd * block_size) ** 0.5)
)
W2 = torch.tensor(rng.standard_normal((n_hidden, vocab_size)), dtype=torch.float32) * 0.01
b2 = torch.tensor(rng.standard_normal(vocab_size), dtype=torch.float32) * 0
bngain = torch.ones((1, n_hidden))
bnbias = torch.zeros((1, n_hidden))
bnmean_running = torch.zeros((1, n_hidden))
bnstd_running = torch.ones((1, n_hidden))
parameters = [C, W1, W2, b2, bngain, bnbias]
print("params", sum(p.nelement() for p in parameters))
for p in parameters:
    p.requires_grad = True

for i in range(40):
    ix = torch.tensor(rng.integers(0, X.shape[0], (32,)))
    Xb, Yb = X[ix], Y[ix]
    emb = C[Xb]
    embcat = emb.view(emb.shape[0], -1)
    hpreact = embcat @ W1
    bnmeani = hpreact.mean(0, keepdim=True)
    bnstdi = hpreact.std(0, keepdim=True)
    hpreact = bngain * (hpreact - bnmeani) / bnstdi + bnbias
    with torch.no_grad():
        bnmean_running = 0.999 * bnmean_running + 0.001 * bnmeani
        bnstd_running = 0.999 * bnstd_running + 0.001 * bnstdi
    h = torch.tanh(hpreact)
    logits = h @ W2 + b2
    loss = F.cross_entropy(logits, Yb)
    for p in parameters:
        p.grad = None
    loss.backward()
    for p in parameters:
        p.data += -0.1 * p.grad
    if i % 10 == 0:
        print(f"{i:3d} loss {loss.item():.5f}")

print(
    "running", bnmean_running.requires_grad, f"{bnmean_running.mean().item():.6f}", f"{bnstd_running.mean().item():.6f}"
)
saturated = (h.abs() > 0.99).float()
print("saturated", saturated.dtype, f"{saturated.mean().item():.6f}", tuple(saturated.shape))


class Linear:
    def __init__(self, fan_in, fan_out, bias=True):
        self.weight = torch.tensor(rng.standard_normal((fan_in, fan_out)), dtype=torch.float32) / fan_in**0.5
        self.bias = torch.zeros(fan_out) if bias else None

    def __call__(self, x):
        self.out = x @ self.weight
        if self.bias is not None:
            self.out += self.bias
        return self.out

    def parameters(self):
        return [self.weight] + ([] if self.bias is None else [self.bias])


class BatchNorm1d:
    def __init__(self, dim, eps=1e-5, momentum=0.1):
        self.eps = eps
        self.momentum = momentum
        self.training = True
        self.gamma = torch.ones(dim)
        self.beta = torch.zeros(dim)
        self.running_mean = torch.zeros(dim)
        self.running_var = torch.ones(dim)

    def __call__(self, x):
        if self.training:
            xmean = x.mean(0, keepdim=True)
            xvar = x.var(0, keepdim=True)
        else:
            xmean = self.running_mean
            xvar = self.running_var
        xhat = (x - xmean) / torch.sqrt(xvar + self.eps)
        self.out = self.gamma * xhat + self.beta
        if self.training:
            with torch.no_grad():
                self.running_mean = (1 - self.momentum) * self.running_mean + self.momentum * xmean
                self.running_var = (1 - self.momentum) * self.running_var + self.momentum * xvar
        return self.out

    def parameters(self):
        return [self.gamma, self.beta]


class Tanh:
    def __call__(self, x):
        self.out = torch.tanh(x)
        return self.out

    def parameters(self):
        return []


layers = [
    Linear(n_embd * block_size, 50, bias=False),
    BatchNorm1d(50),
    Tanh(),
    Linear(50, 50, bias=False),
    BatchNorm1d(50),
    Tanh(),
    Linear(50, vocab_size, bias=False),
    BatchNorm1d(vocab_size),
]
with torch.no_grad():
    layers[-1].gamma *= 0.1
    for layer in layers[:-1]:
        if isinstance(layer, Linear):
            layer.weight *= 5 / 3
parameters = [C] + [p for layer in layers for p in layer.parameters()]
print("layer params", sum(p.nelement() for p in parameters))
for p in parameters:
    p.requires_grad = True

ud = []
for i in range(20):
    ix = torch.tensor(rng.integers(0, X.shape[0], (32,)))
    x = C[X[ix]].view(32, -1)
    for layer in layers:
        x = layer(x)
    loss = F.cross_entropy(x, Y[ix])
    for layer in layers:
        layer.out.retain_grad()
    for p in parameters:
        p.grad = None
    loss.backward()
    lr = 0.1
    for p in parameters:
        p.data += -lr * p.grad
    with torch.no_grad():
        ud.append([((lr * p.grad).std() / p.data.std()).log10().item() for p in parameters])
    if i % 5 == 0:
        print(f"{i:3d} loss {loss.item():.5f}")

for i, layer in enumerate(layers[:-1]):
    if isinstance(layer, Tanh):
        t = layer.out
        print(
            f"layer {i} mean {t.mean():+.4f} std {t.std():.4f} saturated {(t.abs() > 0.97).float().mean() * 100:.2f}%"
        )
        g = layer.out.grad
        print(f"layer {i} grad mean {g.mean():+.8f} std {g.std():.8f}", g.shape == t.shape)
        hy, hx = torch.histogram(t, density=True)
        print(f"layer {i} histogram {hy.shape[0]} {hx.shape[0]} {hx[0]:.4f} {hx[-1]:.4f} {hy.max():.4f}")
for p in parameters:
    if p.ndim == 2:
        print(f"weight {tuple(p.shape)} | grad:data ratio {p.grad.std() / p.std():.6f}")
print("ud", len(ud), len(ud[0]), f"{ud[-1][1]:.4f}")

for layer in layers:
    layer.training = False


@torch.inference_mode()
def evaluate():
    x = C[X].view(X.shape[0], -1)
    for layer in layers:
        x = layer(x)
    print("eval loss", f"{F.cross_entropy(x, Y).item():.5f}", x.requires_grad)


evaluate()
