"""A character-level language model (makemore's MLP) as a plain PyTorch script: it runs unchanged on PyTorch and on
tinygrad_edu.

    python examples/torch_char_lm.py                                  # with PyTorch
    python -m tinygrad_edu as-torch examples/torch_char_lm.py         # the same file on tinygrad_edu
    python -m tinygrad_edu as-torch examples/torch_char_lm.py --steps 200 --dtype float64

The model reads the previous `--block-size` characters of a word, looks each up in an Embedding, and passes
the concatenated embeddings through a Linear -> Tanh -> Linear network to scores over the next character; "."
marks the start and end of a word. It prints the training loss (cross-entropy in nats per character), the loss
on held-out words, and a few words sampled from the trained model.

The word list is made with no download by examples/char_words.py: 2,000 made-up names built from a fixed set of
syllables, so the model has real structure to learn (which letters follow which) and the script needs nothing but
NumPy.

As in the CNN example, the weights and the batches come from NumPy, so both libraries start from the same
weights, see the same batches and (with `--dtype float64`) print the same losses.
"""

import argparse

import numpy as np
import torch
import torch.nn.functional as F
from char_words import contexts_and_targets, make_words, vocabulary
from torch import nn


def build_dataset(words, stoi, block_size):
    """Every (previous block_size characters, next character) pair in the words, as int64 tensors."""
    contexts, targets = contexts_and_targets(words, stoi, block_size)
    return torch.from_numpy(contexts), torch.from_numpy(targets)


class CharMLP(nn.Module):
    def __init__(self, vocab_size, block_size, embedding_dim, hidden):
        super().__init__()
        self.embed = nn.Embedding(vocab_size, embedding_dim)
        self.hidden = nn.Linear(block_size * embedding_dim, hidden)
        self.out = nn.Linear(hidden, vocab_size)

    def forward(self, context):
        e = self.embed(context)  # (N, block_size, embedding_dim)
        h = torch.tanh(self.hidden(e.reshape(e.shape[0], -1)))
        return self.out(h)


def init_from_numpy(model, rng):
    """Small normal weights and zero biases drawn with NumPy, so every library starts from the same numbers."""
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith("bias"):
                p.zero_()
            else:
                fan_in = p.shape[1] if name != "embed.weight" else 1
                p.copy_(torch.from_numpy(rng.normal(0.0, 1.0 / np.sqrt(fan_in), tuple(p.shape))))


def main():
    parser = argparse.ArgumentParser(
        description="makemore's MLP on made-up names (PyTorch, or tinygrad_edu via as-torch)."
    )
    parser.add_argument("--steps", type=int, default=1000, help="training steps (default 1000)")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument(
        "--lr", type=float, default=0.1, help="SGD's learning rate (divided by 10 for the last quarter)"
    )
    parser.add_argument("--block-size", type=int, default=3, help="characters of context")
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
    x_train, y_train = build_dataset(words[:split], stoi, args.block_size)
    x_val, y_val = build_dataset(words[split:], stoi, args.block_size)
    print(f"{len(words)} words, {len(stoi)} characters, {len(y_train)} training examples")

    model = CharMLP(len(stoi), args.block_size, embedding_dim=10, hidden=64).to(dtype)
    init_from_numpy(model, rng)
    optimizer = torch.optim.SGD(model.parameters(), lr=args.lr)
    scheduler = torch.optim.lr_scheduler.MultiStepLR(optimizer, milestones=[int(0.75 * args.steps)], gamma=0.1)

    for step in range(1, args.steps + 1):
        batch = torch.from_numpy(rng.integers(0, len(y_train), args.batch_size))
        loss = F.cross_entropy(model(x_train[batch]), y_train[batch])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        scheduler.step()
        if step % args.print_every == 0 or step == args.steps:
            print(f"step {step:5d}  loss {loss.item():.12f}")

    with torch.no_grad():
        print(f"validation loss {F.cross_entropy(model(x_val), y_val).item():.12f}")
        for _ in range(args.samples):
            context, out = [0] * args.block_size, []
            while len(out) < 20:
                probs = F.softmax(model(torch.tensor([context])), dim=1)[0].numpy()
                index = int(rng.choice(len(probs), p=probs / probs.sum()))
                if index == 0:
                    break
                out.append(itos[index])
                context = context[1:] + [index]
            print("sample:", "".join(out))


if __name__ == "__main__":
    main()
