"""A small CNN on the 8x8 digits, written as a plain PyTorch script: it runs unchanged on PyTorch and on tinygrad_edu.

    python examples/torch_cnn_digits.py                                   # with PyTorch
    python -m tinygrad_edu as-torch examples/torch_cnn_digits.py          # the same file on tinygrad_edu
    python -m tinygrad_edu as-torch examples/torch_cnn_digits.py --steps 50 --dtype float64

The network is Conv2d -> BatchNorm2d -> ReLU -> MaxPool2d, twice, then Dropout and a Linear layer to the ten
classes, trained with cross-entropy and Adam; it prints the training loss every `--print-every` steps and the
accuracy on 300 held-out images at the end.

The digits are the 1,797 images that scikit-learn ships inside its package (nothing is downloaded). Without
scikit-learn the script says so and uses a stand-in made here: noisy copies of ten fixed random 8x8 patterns,
which the same network learns as easily, so the script still runs end to end.

The weights start from a NumPy generator (not from either library's own random initialisation), and the batches
are drawn by NumPy too, so both libraries start from the same weights and see the same batches: with `--dtype
float64 --dropout 0` they print the same losses (tests/test_examples_torch.py checks that).
"""

import argparse

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn


def load_digits(rng):
    """(images (N, 1, 8, 8) scaled to [0, 1], labels (N,) int64, where they came from)."""
    try:
        from sklearn.datasets import load_digits as sklearn_digits
    except ImportError:
        patterns = rng.random((10, 8, 8)) < 0.4  # ten fixed "digits" of ink
        labels = rng.integers(0, 10, 1797)
        images = np.clip(patterns[labels] + rng.normal(0.0, 0.5, (1797, 8, 8)), 0.0, 1.0)
        return images[:, None], labels.astype(np.int64), "a stand-in (scikit-learn is not installed)"
    digits = sklearn_digits()
    return digits.images[:, None] / 16.0, digits.target.astype(np.int64), "scikit-learn's digits"


class DigitsCNN(nn.Module):
    def __init__(self, dropout):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 8, kernel_size=3, padding=1),  # (N, 8, 8, 8)
            nn.BatchNorm2d(8),
            nn.ReLU(),
            nn.MaxPool2d(2),  # (N, 8, 4, 4)
            nn.Conv2d(8, 16, kernel_size=3, padding=1),  # (N, 16, 4, 4)
            nn.BatchNorm2d(16),
            nn.ReLU(),
            nn.MaxPool2d(2),  # (N, 16, 2, 2)
        )
        self.classifier = nn.Sequential(nn.Flatten(), nn.Dropout(dropout), nn.Linear(16 * 2 * 2, 10))

    def forward(self, x):
        return self.classifier(self.features(x))


def init_from_numpy(model, rng):
    """He-normal weights and zero biases drawn with NumPy, so every library starts from the same numbers."""
    with torch.no_grad():
        for name, p in model.named_parameters():
            if p.ndim > 1:  # conv and linear weights: fan_in = in_channels * kernel area (or in_features)
                fan_in = int(np.prod(p.shape[1:]))
                p.copy_(torch.from_numpy(rng.normal(0.0, np.sqrt(2.0 / fan_in), tuple(p.shape))))
            elif name.endswith("bias"):
                p.zero_()
            # BatchNorm's weights keep their initial value 1 (the same in every library)


def main():
    parser = argparse.ArgumentParser(
        description="A small CNN on the 8x8 digits (PyTorch, or tinygrad_edu via as-torch)."
    )
    parser.add_argument("--steps", type=int, default=150, help="training steps (default 150)")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--lr", type=float, default=0.01, help="Adam's learning rate")
    parser.add_argument("--dropout", type=float, default=0.25, help="dropout before the last layer (0 turns it off)")
    parser.add_argument("--dtype", choices=["float32", "float64"], default="float32")
    parser.add_argument("--print-every", type=int, default=50)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    dtype = torch.float64 if args.dtype == "float64" else torch.float32
    torch.manual_seed(args.seed)  # only dropout's masks come from the library's own generator
    rng = np.random.default_rng(args.seed)
    images, labels, source = load_digits(rng)
    order = rng.permutation(len(labels))
    test, train = order[:300], order[300:]
    x_train, y_train = torch.from_numpy(images[train]).to(dtype), torch.from_numpy(labels[train])
    x_test, y_test = torch.from_numpy(images[test]).to(dtype), torch.from_numpy(labels[test])
    print(f"data: {source}, {len(train)} training and {len(test)} test images")

    model = DigitsCNN(args.dropout).to(dtype)
    init_from_numpy(model, rng)
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)

    model.train()
    for step in range(1, args.steps + 1):
        batch = torch.from_numpy(rng.choice(len(train), args.batch_size, replace=False))
        loss = F.cross_entropy(model(x_train[batch]), y_train[batch])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if step % args.print_every == 0 or step == args.steps:
            print(f"step {step:4d}  loss {loss.item():.12f}")

    model.eval()  # BatchNorm uses its running statistics, Dropout passes everything through
    with torch.no_grad():
        accuracy = (model(x_test).argmax(dim=1) == y_test).double().mean().item()
    print(f"test accuracy {accuracy:.4f}")


if __name__ == "__main__":
    main()
