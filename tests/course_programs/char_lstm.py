"""A char-level LSTM LM, d2l style: Embedding, nn.LSTM(batch_first), truncated BPTT with the state carried
(detached) from batch to batch, gradient clipping, greedy generation; then a GRUCell loop checked against nn.GRU."""

import math

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

text = "the quick brown fox jumps over the lazy dog. a quick brown dog naps. " * 4
chars = sorted(set(text))
vocab_size = len(chars)
stoi = {ch: i for i, ch in enumerate(chars)}
itos = {i: ch for ch, i in stoi.items()}
corpus = torch.tensor([stoi[c] for c in text], dtype=torch.long)
print("corpus", corpus.shape, corpus.dtype, vocab_size)

batch_size, num_steps, n_embd, n_hidden, num_layers = 4, 8, 8, 16, 2


def seq_data_iter_sequential(corpus, batch_size, num_steps):
    """d2l's sequential partitioning: row i of batch k continues row i of batch k - 1, so the state carries over."""
    num_tokens = ((len(corpus) - 1) // batch_size) * batch_size
    Xs = corpus[:num_tokens].reshape(batch_size, -1)
    Ys = corpus[1 : num_tokens + 1].reshape(batch_size, -1)
    for i in range(0, Xs.shape[1] // num_steps * num_steps, num_steps):
        yield Xs[:, i : i + num_steps], Ys[:, i : i + num_steps]


class RNNModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, n_embd)
        self.rnn = nn.LSTM(n_embd, n_hidden, num_layers=num_layers, batch_first=True)
        self.linear = nn.Linear(n_hidden, vocab_size)

    def forward(self, X, state):
        Y, state = self.rnn(self.embedding(X), state)
        return self.linear(Y), state

    def begin_state(self, batch_size):
        shape = (self.rnn.num_layers, batch_size, self.rnn.hidden_size)
        return torch.zeros(shape), torch.zeros(shape)


model = RNNModel()
print(model)
init_rng = np.random.default_rng(0)
with torch.no_grad():
    for p in model.parameters():
        p.copy_(torch.tensor(init_rng.uniform(-0.3, 0.3, tuple(p.shape)), dtype=torch.float32))
names = [name for name, _ in model.named_parameters()]
print("params", sum(p.numel() for p in model.parameters()), names[2:6], names[-3])
print("weights", model.rnn.weight_ih_l0.shape, model.rnn.weight_hh_l1.shape, model.rnn.bias_hh_l1.shape)

X, Y = next(seq_data_iter_sequential(corpus, batch_size, num_steps))
logits, (h, c) = model(X, model.begin_state(batch_size))
print("forward", X.shape, logits.shape, "state", h.shape, c.shape, h.dtype)
out, (h1, c1) = model.rnn(model.embedding(X[0]))  # one unbatched sequence, zero state
print("unbatched", out.shape, h1.shape, f"{(out - model.rnn(model.embedding(X))[0][0]).abs().max().item():.6f}")

optimizer = torch.optim.Adam(model.parameters(), lr=0.03)
for epoch in range(6):
    state = model.begin_state(batch_size)
    total, tokens = 0.0, 0
    for X, Y in seq_data_iter_sequential(corpus, batch_size, num_steps):
        state = tuple(s.detach() for s in state)  # truncated BPTT: no gradient into the previous batch
        y_hat, state = model(X, state)
        loss = F.cross_entropy(y_hat.reshape(-1, vocab_size), Y.reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        norm = nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        total, tokens = total + loss.item() * Y.numel(), tokens + Y.numel()
    print(f"epoch {epoch} loss {loss.item():.4f} norm {norm.item():.4f} perplexity {math.exp(total / tokens):.4f}")
    print("grad", f"{model.rnn.weight_hh_l0.grad.abs().sum().item():.4f}", state[0].requires_grad)


@torch.no_grad()
def predict(prefix, num_preds):
    state = model.begin_state(1)
    outputs = [stoi[prefix[0]]]
    for ch in prefix[1:]:  # warm-up: run the prefix through, keep the state
        _, state = model(torch.tensor([[outputs[-1]]]), state)
        outputs.append(stoi[ch])
    for _ in range(num_preds):
        y, state = model(torch.tensor([[outputs[-1]]]), state)
        outputs.append(int(y.argmax(dim=2).reshape(1)))
    return "".join(itos[i] for i in outputs)


print("predict", repr(predict("the ", 12)))

cell = nn.GRUCell(n_embd, n_hidden)
gru = nn.GRU(n_embd, n_hidden, batch_first=True)
with torch.no_grad():
    for p in cell.parameters():
        p.copy_(torch.tensor(init_rng.uniform(-0.3, 0.3, tuple(p.shape)), dtype=torch.float32))
gru.load_state_dict({name + "_l0": value for name, value in cell.state_dict().items()})
emb = model.embedding(X).detach()
h = torch.zeros(batch_size, n_hidden)
outputs = []
for t in range(emb.shape[1]):
    h = cell(emb[:, t], h)
    outputs.append(h)
loop = torch.stack(outputs, dim=1)
full, h_n = gru(emb)
print("gru", cell, loop.shape, h_n.shape, torch.allclose(loop, full, atol=1e-6), torch.allclose(h_n[0], h, atol=1e-6))
print("gru sum", f"{loop.sum().item():.4f}", f"{h.pow(2).mean().item():.6f}")
