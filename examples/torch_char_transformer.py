"""A small character-level transformer (one GPT block) as a plain PyTorch script: it runs unchanged on PyTorch and
on tinygrad_edu.

    python examples/torch_char_transformer.py                                  # with PyTorch
    python -m tinygrad_edu as-torch examples/torch_char_transformer.py         # the same file on tinygrad_edu
    python -m tinygrad_edu as-torch examples/torch_char_transformer.py --steps 300 --dtype float64 --dropout 0

The words are those of torch_char_lm.py (examples/char_words.py makes them), written one after another with "."
between them, as one stream of characters. The model reads `--block-size` characters of that stream and, at
every position at once, gives scores for the next character:

    token embedding + position embedding
    -> x + attention(LayerNorm(x))     causal self-attention: position t sees positions 0..t only
    -> x + MLP(LayerNorm(x))           Linear -> GELU -> Linear, 4x wider inside
    -> LayerNorm -> Linear             scores over the characters (the language-model head)

so one step trains block-size predictions per sequence, each with the context it had. It prints the training
loss (cross-entropy in nats per character), the loss on held-out words, and a few words sampled from the model.

As in the other PyTorch examples the weights and the batches come from NumPy, so both libraries start from the
same weights, see the same batches and (with `--dtype float64 --dropout 0`) print the same losses.
"""

import argparse
import math

import numpy as np
import torch
import torch.nn.functional as F
from char_words import make_words, vocabulary
from torch import nn


class CausalSelfAttention(nn.Module):
    """Multi-head self-attention where position t attends to positions 0..t (is_causal=True)."""

    def __init__(self, n_embd, n_head, dropout):
        super().__init__()
        self.n_head = n_head
        self.qkv = nn.Linear(n_embd, 3 * n_embd)  # the queries, keys and values of every head, in one matmul
        self.proj = nn.Linear(n_embd, n_embd)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x):
        batch, length, n_embd = x.shape
        q, k, v = self.qkv(x).split(n_embd, dim=2)
        # (B, T, C) -> (B, heads, T, C / heads): each head attends on its own slice of the embedding
        q, k, v = (t.view(batch, length, self.n_head, n_embd // self.n_head).transpose(1, 2) for t in (q, k, v))
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        y = y.transpose(1, 2).reshape(batch, length, n_embd)  # the heads side by side again
        return self.dropout(self.proj(y))


class Block(nn.Module):
    """A pre-norm transformer block: attention and an MLP, each added to its input (the residual stream)."""

    def __init__(self, n_embd, n_head, dropout):
        super().__init__()
        self.ln1 = nn.LayerNorm(n_embd)
        self.attn = CausalSelfAttention(n_embd, n_head, dropout)
        self.ln2 = nn.LayerNorm(n_embd)
        self.mlp = nn.Sequential(
            nn.Linear(n_embd, 4 * n_embd), nn.GELU(), nn.Linear(4 * n_embd, n_embd), nn.Dropout(dropout)
        )

    def forward(self, x):
        x = x + self.attn(self.ln1(x))
        return x + self.mlp(self.ln2(x))


class CharTransformer(nn.Module):
    def __init__(self, vocab_size, block_size, n_embd, n_head, dropout):
        super().__init__()
        self.block_size = block_size
        self.tok_emb = nn.Embedding(vocab_size, n_embd)
        self.pos_emb = nn.Embedding(block_size, n_embd)
        self.block = Block(n_embd, n_head, dropout)
        self.ln_f = nn.LayerNorm(n_embd)
        self.lm_head = nn.Linear(n_embd, vocab_size)

    def forward(self, idx):
        length = idx.shape[1]
        x = self.tok_emb(idx) + self.pos_emb(torch.arange(length))  # (B, T, C) + (T, C): position t's vector
        return self.lm_head(self.ln_f(self.block(x)))  # (B, T, vocab): scores for the character after each


def init_from_numpy(model, rng):
    """Weights drawn with NumPy, so every library starts from the same numbers: Linear weights normal with std
    1/sqrt(fan_in), embeddings normal with std 0.1, LayerNorms' weights 1, every bias 0."""
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith("bias"):
                p.zero_()
            elif p.dim() == 1:  # a LayerNorm's weight
                p.fill_(1.0)
            else:
                std = 0.1 if "emb" in name else 1.0 / math.sqrt(p.shape[1])
                p.copy_(torch.from_numpy(rng.normal(0.0, std, tuple(p.shape))))


def encode(words, stoi):
    """The words as one stream of character indices, with "." (0) before, between and after them."""
    return np.array([0] + [stoi[ch] for word in words for ch in word + "."], dtype=np.int64)


def windows(stream, starts, block_size):
    """Inputs stream[s : s + T] and targets stream[s + 1 : s + T + 1] for each start s, as int64 tensors."""
    offsets = np.asarray(starts)[:, None] + np.arange(block_size)
    return torch.from_numpy(stream[offsets]), torch.from_numpy(stream[offsets + 1])


def main():
    parser = argparse.ArgumentParser(
        description="A one-block character transformer on made-up names (PyTorch, or tinygrad_edu via as-torch)."
    )
    parser.add_argument("--steps", type=int, default=600, help="training steps (default 600)")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--lr", type=float, default=3e-3, help="AdamW's learning rate, cosine-annealed to 0")
    parser.add_argument("--block-size", type=int, default=16, help="characters of context")
    parser.add_argument("--n-embd", type=int, default=32)
    parser.add_argument("--n-head", type=int, default=4)
    parser.add_argument("--dropout", type=float, default=0.1)
    parser.add_argument("--dtype", choices=["float32", "float64"], default="float32")
    parser.add_argument("--print-every", type=int, default=100)
    parser.add_argument("--samples", type=int, default=5, help="words to sample at the end")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    dtype = torch.float64 if args.dtype == "float64" else torch.float32
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    words = make_words(rng)
    stoi, itos = vocabulary(words)
    split = int(0.9 * len(words))
    train, val = encode(words[:split], stoi), encode(words[split:], stoi)
    print(f"{len(words)} words, {len(stoi)} characters, {len(train)} training characters")

    model = CharTransformer(len(stoi), args.block_size, args.n_embd, args.n_head, args.dropout).to(dtype)
    init_from_numpy(model, rng)
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.01)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=args.steps)

    model.train()
    for step in range(1, args.steps + 1):
        x, y = windows(train, rng.integers(0, len(train) - args.block_size, args.batch_size), args.block_size)
        logits = model(x)
        loss = F.cross_entropy(logits.view(-1, logits.shape[-1]), y.view(-1))
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        scheduler.step()
        if step % args.print_every == 0 or step == args.steps:
            print(f"step {step:5d}  loss {loss.item():.12f}")

    model.eval()  # dropout off
    with torch.no_grad():
        x, y = windows(val, np.arange(0, len(val) - args.block_size, args.block_size), args.block_size)
        logits = model(x)
        print(f"validation loss {F.cross_entropy(logits.view(-1, logits.shape[-1]), y.view(-1)).item():.12f}")
        for _ in range(args.samples):
            context, out = [0], []
            while len(out) < 20:
                logits = model(torch.tensor([context[-args.block_size :]]))[0, -1]
                probs = F.softmax(logits, dim=0).numpy()
                index = int(rng.choice(len(probs), p=probs / probs.sum()))
                if index == 0:
                    break
                out.append(itos[index])
                context.append(index)
            print("sample:", "".join(out))


if __name__ == "__main__":
    main()
