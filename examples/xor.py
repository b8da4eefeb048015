"""XOR, PyTorch-style: the tutorials' 2-4-1 sigmoid network, with autograd doing the backward pass.

If you have read one of the from-scratch tutorials, you have written this network by hand:

    Z1 = X @ W1 + b1;  A1 = sigmoid(Z1)          # hidden layer, 4 units
    Z2 = A1 @ W2 + b2; A2 = sigmoid(Z2)          # output, the probability that XOR is 1
    loss = binary cross-entropy of A2 against y
    dZ2 = A2 - y; dW2 = A1.T @ dZ2 / n; ...      # the part you derived on paper
    W1 -= lr * dW1; ...

Here each piece has a name you will meet again in PyTorch: `nn.Linear` holds a W and a b, `nn.Sigmoid`
is the activation, `nn.BCELoss` is the loss, `loss.backward()` computes every dW and db for you, and
`optim.SGD` does the `-=`. Nothing else changes.

Run:  python examples/xor.py            (or --epochs 500 --lr 0.5, see --help)
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # so a fresh clone runs it without installing

import tinygrad_edu as tg  # noqa: E402
from tinygrad_edu import nn, optim  # noqa: E402


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Train the 2-4-1 sigmoid XOR network, PyTorch-style.")
    parser.add_argument("--epochs", type=int, default=3000, help="full-batch training steps (default 3000)")
    parser.add_argument("--lr", type=float, default=1.0, help="SGD learning rate (default 1.0)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the initial weights (default 0)")
    args = parser.parse_args(argv)

    # 1. The data: the four XOR points, one per row, and their targets as a column.
    #    Written with floats: tg.tensor makes float32 tensors of them, as torch.tensor does (of Python
    #    ints it would make int64 ones, which a Linear layer refuses, as PyTorch's does).
    X = tg.tensor([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])  # shape (4, 2)
    y = tg.tensor([[0.0], [1.0], [1.0], [0.0]])  # shape (4, 1)

    # 2. The model. nn.Linear(2, 4) holds the tutorial's W1 and b1: a weight of shape (4, 2) (out, in,
    #    PyTorch's layout, so it computes X @ W.T + b) and a bias of shape (4,). Its initial values are
    #    uniform in +-1/sqrt(2), drawn from the generator that tg.manual_seed seeds.
    tg.manual_seed(args.seed)
    model = nn.Sequential(
        nn.Linear(2, 4),  # Z1 = X @ W1 + b1
        nn.Sigmoid(),  # A1 = sigmoid(Z1)
        nn.Linear(4, 1),  # Z2 = A1 @ W2 + b2
        nn.Sigmoid(),  # A2 = sigmoid(Z2)
    )
    print(model)
    for name, parameter in model.named_parameters():
        print(f"  {name:<9} shape {parameter.shape}")  # 0.weight is W1 (transposed), 0.bias is b1, ...

    # 3. The loss and the optimizer. BCELoss is the mean binary cross-entropy,
    #    -(1/n) sum(y log p + (1 - y) log(1 - p)); SGD's step is p <- p - lr * p.grad for every parameter.
    loss_fn = nn.BCELoss()
    optimizer = optim.SGD(model.parameters(), lr=args.lr)

    # 4. The training loop: the same four lines in every PyTorch program.
    print(f"\ntraining for {args.epochs} epochs, SGD lr={args.lr}")
    for epoch in range(1, args.epochs + 1):
        optimizer.zero_grad()  # .grad accumulates across backward() calls: start each step from zero
        predictions = model(X)  # the forward pass records every op in a graph...
        loss = loss_fn(predictions, y)
        loss.backward()  # ...which backward() walks in reverse, filling each parameter's .grad (your dW1 ...)
        optimizer.step()  # W1 -= lr * dW1, and so on for each parameter
        if epoch == 1 or epoch % max(args.epochs // 10, 1) == 0:
            print(f"  epoch {epoch:>5}  loss {loss.item():.6f}")

    # 5. Use the trained model. tg.no_grad() records no graph: nothing will call backward() here.
    with tg.no_grad():
        probabilities = model(X).numpy()[:, 0]
    print("\n  input   target  prediction")
    correct = 0
    for inputs, target, p in zip(X.tolist(), y.tolist(), probabilities, strict=True):
        correct += int((p >= 0.5) == target[0])
        print(f"  {inputs[0]:.0f} {inputs[1]:.0f}     {target[0]:.0f}      {p:.4f}")
    print(f"\n{correct}/4 correct, final loss {loss.item():.6f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
