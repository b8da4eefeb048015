"""`tinygrad-edu demo`: train the XOR network, defined PyTorch-style, and watch it learn.

The network is the one the four tutorials build by hand (2 inputs, a sigmoid hidden layer, one
sigmoid output); here autograd derives the backward pass instead.
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import Optional, Sequence, TextIO

import numpy as np

import tinygrad_edu as tg
from tinygrad_edu import nn, optim

XOR_INPUTS = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)
XOR_TARGETS = np.array([[0], [1], [1], [0]], dtype=np.float32)

DEFAULT_LR = {"sgd": 1.0, "adam": 0.05}


class XORNet(nn.Module):
    """2 -> hidden -> 1 with sigmoids, as in the tutorials."""

    def __init__(self, hidden: int = 4) -> None:
        super().__init__()
        self.hidden = nn.Linear(2, hidden)
        self.output = nn.Linear(hidden, 1)
        self.sigmoid = nn.Sigmoid()

    def forward(self, x: tg.Tensor) -> tg.Tensor:
        return self.sigmoid(self.output(self.sigmoid(self.hidden(x))))


def parse_args(argv: Optional[Sequence[str]]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="tinygrad-edu demo", description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=_positive_int, default=3000, help="training steps over the 4 points (default 3000)")
    parser.add_argument("--lr", type=_positive_float, default=None, help="learning rate (default 1.0 for sgd, 0.05 for adam)")
    parser.add_argument("--hidden", type=_positive_int, default=4, help="hidden units (default 4)")
    parser.add_argument("--loss", choices=("bce", "mse"), default="bce", help="binary cross-entropy or mean squared error")
    parser.add_argument("--optimizer", choices=("sgd", "adam"), default="sgd")
    parser.add_argument("--seed", type=int, default=0, help="tg.manual_seed for the initial weights (default 0)")
    parser.add_argument("--plot", metavar="FILE.png", help="save the loss curve (needs matplotlib)")
    parser.add_argument("--graph", metavar="FILE.dot|FILE.png", help="save the computation graph of one step")
    args = parser.parse_args(argv)
    if args.plot and not args.plot.lower().endswith(".png"):
        parser.error(f"--plot: expected a .png file name, got {args.plot!r}")
    if args.plot and not _has_matplotlib():
        parser.error("--plot needs matplotlib, which is not installed: pip install 'tinygrad-edu[plot]' (or pip install matplotlib)")
    if args.graph and not args.graph.lower().endswith((".dot", ".png")):
        parser.error(f"--graph: expected a .dot or .png file name, got {args.graph!r}")
    return args


def _positive_int(text: str) -> int:
    value = int(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {value}")
    return value


def _positive_float(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be a positive number, got {text}")
    return value


def _has_matplotlib() -> bool:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return False
    return True


class Progress:
    """A live progress bar on a terminal; a plain line every tenth of the run otherwise (logs, CI)."""

    def __init__(self, total: int, stream: TextIO) -> None:
        self.total, self.stream = total, stream
        self.live = stream.isatty()
        self.start = self.last_draw = time.perf_counter()

    def update(self, epoch: int, loss: float) -> None:
        now = time.perf_counter()
        done = epoch + 1
        rate = done / max(now - self.start, 1e-9)
        if self.live:
            if now - self.last_draw < 0.05 and done != self.total:
                return
            self.last_draw = now
            filled = int(30 * done / self.total)
            bar = "#" * filled + "." * (30 - filled)
            end = "\n" if done == self.total else ""
            self.stream.write(f"\r  epoch {done:>6}/{self.total} [{bar}] loss {loss:.6f}  {rate:,.0f} steps/s{end}")
            self.stream.flush()
        elif done == 1 or done % max(self.total // 10, 1) == 0 or done == self.total:
            self.stream.write(f"  epoch {done:>6}/{self.total}  loss {loss:.6f}  {rate:,.0f} steps/s\n")


def train(args: argparse.Namespace, out: TextIO = sys.stdout) -> tuple[XORNet, list[float]]:
    """Train XORNet on the four XOR points as the options say; returns the model and the losses."""
    tg.manual_seed(args.seed)
    model = XORNet(args.hidden)
    loss_fn = nn.BCELoss() if args.loss == "bce" else nn.MSELoss()
    lr = args.lr if args.lr is not None else DEFAULT_LR[args.optimizer]
    optimizer = optim.SGD(model.parameters(), lr=lr) if args.optimizer == "sgd" else optim.Adam(model.parameters(), lr=lr)
    x, y = tg.tensor(XOR_INPUTS), tg.tensor(XOR_TARGETS)

    out.write(f"{model}\nloss {type(loss_fn).__name__}, optimizer {type(optimizer).__name__}(lr={lr}), seed {args.seed}\n\n")
    progress = Progress(args.epochs, out)
    losses = []
    for epoch in range(args.epochs):
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
        progress.update(epoch, losses[-1])
    return model, losses


def report(model: XORNet, losses: list[float], out: TextIO = sys.stdout) -> None:
    """Print predictions beside targets and the final loss."""
    with tg.no_grad():
        predictions = model(tg.tensor(XOR_INPUTS)).numpy()[:, 0]
    out.write("\n  x1  x2 | target | prediction | rounded\n  -------+--------+------------+--------\n")
    for (x1, x2), target, p in zip(XOR_INPUTS, XOR_TARGETS[:, 0], predictions):
        mark = "" if round(float(p)) == target else "  <- wrong"
        out.write(f"  {x1:2.0f}  {x2:2.0f} | {target:6.0f} | {p:10.4f} | {round(float(p)):7d}{mark}\n")
    correct = int(np.sum(np.round(predictions) == XOR_TARGETS[:, 0]))
    out.write(f"\nfinal loss {losses[-1]:.6f}, {correct}/4 correct\n")


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = parse_args(argv)
    model, losses = train(args)
    report(model, losses)
    if args.plot:
        _plot(losses, args)
        print(f"loss curve saved to {args.plot}")
    if args.graph:
        _graph(model, args)
    return 0


def _plot(losses: list[float], args: argparse.Namespace) -> None:
    import matplotlib

    matplotlib.use("Agg")  # files only: no window needed
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot(losses)
    ax.set(xlabel="epoch", ylabel=f"{args.loss} loss", yscale="log", title="XOR training loss")
    fig.tight_layout()
    fig.savefig(args.plot, dpi=120)
    plt.close(fig)


def _graph(model: XORNet, args: argparse.Namespace) -> None:
    from tinygrad_edu.graph import draw_graph

    loss_fn = nn.BCELoss() if args.loss == "bce" else nn.MSELoss()
    loss = loss_fn(model(tg.tensor(XOR_INPUTS)), tg.tensor(XOR_TARGETS))
    loss.backward()
    draw_graph(loss, args.graph, model=model)
    print(f"computation graph saved to {args.graph}")


if __name__ == "__main__":
    sys.exit(main())
