"""`tinygrad-edu demo`: train the XOR network, defined PyTorch-style, and watch it learn.

The network is the one the four tutorials build by hand (2 inputs, a sigmoid hidden layer, one
sigmoid output); here autograd derives the backward pass instead. The run prints a progress bar
(plain lines when the output is not a terminal), the predictions beside the targets, and the loss.
With --batch-size it trains on noisy XOR points in minibatches from a DataLoader instead, and the bar
runs over each epoch's batches (one plain line per epoch when the output is not a terminal).

    tinygrad-edu demo                                   # BCE + SGD, 3000 epochs, well under a second
    tinygrad-edu demo --loss mse --optimizer adam
    tinygrad-edu demo --plot loss.png --graph step.dot  # the loss curve, the graph of one step
    tinygrad-edu demo --batch-size 32 --epochs 20 --optimizer adam   # minibatches from a DataLoader

Every --loss/--optimizer pair reaches 4/4 at its default epochs and learning rate from the default
seed (and from most others: XOR has local minima, so a seed that lands in one is not a bug).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from typing import TextIO

import numpy as np

import tinygrad_edu as tg
from tinygrad_edu import nn, optim
from tinygrad_edu.graph import RENDER_FORMATS, _missing_graphviz, draw_graph
from tinygrad_edu.utils.data import DataLoader, TensorDataset

__all__ = ["XORNet", "EpochBar", "main", "parse_args", "train", "report"]

XOR_INPUTS = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)
XOR_TARGETS = np.array([[0], [1], [1], [0]], dtype=np.float32)

DEFAULT_EPOCHS = 3000
DEFAULT_LR = {"sgd": 1.0, "adam": 0.05}

# What to tell a user whose machine lacks the optional plotting library.
MATPLOTLIB_HINT = "pip install 'tinygrad-edu[plot]' (or: pip install matplotlib)"


class XORNet(nn.Module):
    """2 -> hidden -> 1 with sigmoids, as in the tutorials.

    Example:
        >>> XORNet(hidden=4)(tg.tensor(XOR_INPUTS)).shape
        (4, 1)
    """

    def __init__(self, hidden: int = 4) -> None:
        super().__init__()
        self.hidden = nn.Linear(2, hidden)
        self.output = nn.Linear(hidden, 1)
        self.sigmoid = nn.Sigmoid()

    def forward(self, x: tg.Tensor) -> tg.Tensor:
        """sigmoid(output(sigmoid(hidden(x)))): one prediction in (0, 1) per row of x."""
        return self.sigmoid(self.output(self.sigmoid(self.hidden(x))))


# ---- the command line ------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """The demo's options; a bad one exits with argparse's message and status 2."""
    parser = argparse.ArgumentParser(
        prog="tinygrad-edu demo",
        description="Train the XOR network, defined PyTorch-style, and watch it learn.",
    )
    parser.add_argument(
        "--epochs",
        type=_positive_int,
        default=DEFAULT_EPOCHS,
        help=f"full-batch training steps over the 4 points (default {DEFAULT_EPOCHS})",
    )
    parser.add_argument(
        "--lr", type=_positive_float, default=None, help="learning rate (default 1.0 for sgd, 0.05 for adam)"
    )
    parser.add_argument("--hidden", type=_positive_int, default=4, help="hidden units (default 4)")
    parser.add_argument(
        "--loss", choices=("bce", "mse"), default="bce", help="binary cross-entropy (default) or mean squared error"
    )
    parser.add_argument(
        "--optimizer",
        choices=("sgd", "adam"),
        default="sgd",
        help="plain stochastic gradient descent (default) or Adam",
    )
    parser.add_argument("--seed", type=int, default=0, help="tg.manual_seed for the initial weights (default 0)")
    parser.add_argument(
        "--batch-size",
        type=_positive_int,
        default=None,
        help="train on 256 noisy XOR points in minibatches from a DataLoader, with a bar over each epoch "
        "(default: the 4 corners, full batch)",
    )
    parser.add_argument("--plot", metavar="FILE.png", help="save the loss curve (needs matplotlib)")
    parser.add_argument(
        "--graph",
        metavar="FILE.dot|FILE.png",
        help="save the computation graph of one training step (.dot needs nothing; .png, .svg or .pdf need Graphviz)",
    )
    args = parser.parse_args(argv)

    # Refuse what cannot work before training, not after.
    if args.plot is not None:
        if not args.plot.lower().endswith(".png"):
            parser.error(f"--plot: expected a file name ending in .png, got {args.plot!r}")
        if not _has_matplotlib():
            parser.error(f"--plot needs matplotlib, which is not installed: {MATPLOTLIB_HINT}")
    if args.graph is not None:
        extension = args.graph.lower().rsplit(".", 1)[-1] if "." in args.graph else ""
        if extension != "dot" and extension not in RENDER_FORMATS:
            parser.error(f"--graph: expected a file name ending in .dot or .png (or .svg, .pdf), got {args.graph!r}")
        missing = _missing_graphviz() if extension != "dot" else []
        if missing:
            parser.error(
                f"--graph {args.graph} needs Graphviz; missing: {'; '.join(missing)}. A .dot file needs nothing."
            )
    return args


def _positive_int(text: str) -> int:
    """An argparse type: the integer `text` names, refused unless it is at least 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {value}")
    return value


def _positive_float(text: str) -> float:
    """An argparse type: the finite number `text` names, refused unless it is above 0."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}") from None
    if not 0 < value < float("inf"):  # also refuses nan
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text}")
    return value


def _has_matplotlib() -> bool:
    """True when matplotlib can be imported (--plot needs it; nothing else does)."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return False
    return True


# ---- training, with a progress display -------------------------------------------------------


class Progress:
    """A live progress bar on a terminal; on anything else (a pipe, a log, CI) a plain line every tenth.

    Example:
        >>> progress = Progress(total=100, stream=sys.stdout)
        >>> progress.update(epoch=0, loss=0.69)      # a line for the first epoch, then every 10th
          epoch      1/100  loss 0.690000  ... steps/s
    """

    WIDTH = 30  # characters in the bar

    def __init__(self, total: int, stream: TextIO) -> None:
        self.total, self.stream = total, stream
        self.live = _is_terminal(stream)
        self.start = self.last_draw = time.perf_counter()
        self.drawn = 0  # length of the bar's last drawing, to blank what a shorter one leaves behind

    def update(self, epoch: int, loss: float) -> None:
        """Report that `epoch` (counted from 0) ended with `loss`; draws only when a redraw is due."""
        now = time.perf_counter()
        done = epoch + 1
        rate = done / max(now - self.start, 1e-9)
        last = done == self.total
        if self.live:
            if now - self.last_draw < 0.05 and not last and done != 1:
                return  # redraw at most 20 times a second: drawing costs more than a step
            self.last_draw = now
            filled = self.WIDTH * done // self.total
            bar = "#" * filled + "." * (self.WIDTH - filled)
            line = f"  epoch {done:>6}/{self.total} [{bar}] loss {loss:.6f}  {rate:,.0f} steps/s"
            self.stream.write("\r" + line.ljust(self.drawn) + ("\n" if last else ""))
            self.drawn = len(line)
            self.stream.flush()
        elif done == 1 or done % max(self.total // 10, 1) == 0 or last:
            self.stream.write(f"  epoch {done:>6}/{self.total}  loss {loss:.6f}  {rate:,.0f} steps/s\n")


class EpochBar:
    """A bar over the batches of one DataLoader epoch, redrawn in place on a terminal; elsewhere one line per epoch.

    The loss shown is the mean of the epoch's batch losses so far.

    Example:
        >>> bar = EpochBar(epochs=2, batches=3, stream=sys.stdout)
        >>> for batch in range(3):
        ...     bar.update(epoch=0, batch=batch, loss=0.5)
          epoch 1/2  3/3 batches  loss 0.500000
    """

    WIDTH = 30  # characters in the bar

    def __init__(self, epochs: int, batches: int, stream: TextIO) -> None:
        self.epochs, self.batches, self.stream = epochs, batches, stream
        self.live = _is_terminal(stream)
        self.total = 0.0  # the sum of this epoch's batch losses

    def update(self, epoch: int, batch: int, loss: float) -> None:
        """Report that batch `batch` of epoch `epoch` (both counted from 0) had loss `loss`."""
        self.total = loss if batch == 0 else self.total + loss
        done = batch + 1
        text = f"  epoch {epoch + 1}/{self.epochs}  {done}/{self.batches} batches  loss {self.total / done:.6f}"
        if self.live:
            filled = self.WIDTH * done // self.batches
            bar = "#" * filled + "." * (self.WIDTH - filled)
            self.stream.write(f"\r{text} [{bar}]" + ("\n" if done == self.batches else ""))
            self.stream.flush()
        elif done == self.batches:
            self.stream.write(text + "\n")


def _is_terminal(stream: TextIO) -> bool:
    """True when the stream is a terminal, where the progress bar redraws itself in place."""
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):  # no isatty, or a closed stream
        return False


def make_loss(name: str) -> nn.Module:
    """'bce' -> nn.BCELoss(), 'mse' -> nn.MSELoss()."""
    return nn.BCELoss() if name == "bce" else nn.MSELoss()


def train(args: argparse.Namespace, out: TextIO | None = None) -> tuple[XORNet, list[float]]:
    """Train XORNet on the four XOR points as the options say; returns the model and each epoch's loss.

    Example:
        >>> import io
        >>> model, losses = train(parse_args(["--epochs", "100"]), out=io.StringIO())
        >>> len(losses), losses[-1] < losses[0]
        (100, True)
    """
    out = sys.stdout if out is None else out
    tg.manual_seed(args.seed)
    model = XORNet(args.hidden)
    loss_fn = make_loss(args.loss)
    lr = args.lr if args.lr is not None else DEFAULT_LR[args.optimizer]
    optimizer: optim.Optimizer
    if args.optimizer == "sgd":
        optimizer = optim.SGD(model.parameters(), lr=lr)
    else:
        optimizer = optim.Adam(model.parameters(), lr=lr)
    x, y = tg.tensor(XOR_INPUTS), tg.tensor(XOR_TARGETS)

    out.write(
        f"{model}\nloss {type(loss_fn).__name__}, optimizer {type(optimizer).__name__}(lr={lr}), seed {args.seed}\n\n"
    )
    if args.batch_size is not None:
        return model, _train_minibatches(model, loss_fn, optimizer, args, out)
    progress = Progress(args.epochs, out)
    losses = []
    for epoch in range(args.epochs):
        optimizer.zero_grad()  # gradients accumulate: clear last step's
        loss = loss_fn(model(x), y)  # forward: records the graph
        loss.backward()  # backward: fills every parameter's .grad
        optimizer.step()  # update: p <- p - lr * grad (SGD), or Adam's rule
        losses.append(loss.item())
        progress.update(epoch, losses[-1])
    return model, losses


NOISY_POINTS = 256  # the minibatch data: XOR's corners, each drawn many times and jittered


def _train_minibatches(
    model: XORNet, loss_fn: nn.Module, optimizer: optim.Optimizer, args: argparse.Namespace, out: TextIO
) -> list[float]:
    """Train on noisy XOR points from a shuffling DataLoader; returns each epoch's mean batch loss."""
    rng = np.random.default_rng(args.seed)
    corners = XOR_INPUTS[rng.integers(0, 4, NOISY_POINTS)]
    points = (corners + rng.normal(0.0, 0.1, corners.shape)).astype(np.float32)
    targets = (corners[:, :1] != corners[:, 1:]).astype(np.float32)
    loader = DataLoader(
        TensorDataset(tg.tensor(points), tg.tensor(targets)),
        batch_size=args.batch_size,
        shuffle=True,
        generator=tg.Generator().manual_seed(args.seed),
    )
    bar = EpochBar(args.epochs, len(loader), out)
    losses = []
    for epoch in range(args.epochs):
        total = 0.0
        for batch, (xb, yb) in enumerate(loader):
            optimizer.zero_grad()
            loss = loss_fn(model(xb), yb)
            loss.backward()
            optimizer.step()
            total += loss.item()
            bar.update(epoch, batch, loss.item())
        losses.append(total / len(loader))
    return losses


def report(model: XORNet, losses: list[float], out: TextIO | None = None) -> int:
    """Print the predictions beside the targets, and the final loss; returns how many are right."""
    out = sys.stdout if out is None else out
    with tg.no_grad():
        predictions = model(tg.tensor(XOR_INPUTS)).numpy()[:, 0]
    out.write("\n  x1  x2 | target | prediction | rounded\n  -------+--------+------------+--------\n")
    for (x1, x2), target, p in zip(XOR_INPUTS, XOR_TARGETS[:, 0], predictions, strict=True):
        rounded = int(p >= 0.5)
        mark = "" if rounded == target else "  <- wrong"
        out.write(f"  {x1:2.0f}  {x2:2.0f} | {target:6.0f} | {p:10.4f} | {rounded:7d}{mark}\n")
    correct = int(np.sum((predictions >= 0.5) == XOR_TARGETS[:, 0]))
    out.write(f"\nfinal loss {losses[-1]:.6f}, {correct}/4 correct\n")
    return correct


def main(argv: Sequence[str] | None = None) -> int:
    """Run the demo with command-line arguments `argv` (sys.argv[1:] when None); returns the exit status."""
    args = parse_args(argv)
    start = time.perf_counter()
    model, losses = train(args)
    seconds = time.perf_counter() - start
    report(model, losses)
    print(f"trained in {seconds:.2f} s")
    if args.plot:
        _plot(losses, args)
        print(f"loss curve saved to {args.plot}")
    if args.graph:
        _graph(model, args)
    return 0


def _plot(losses: list[float], args: argparse.Namespace) -> None:
    """Save the loss curve (log scale) to args.plot with matplotlib."""
    import matplotlib

    matplotlib.use("Agg")  # files only: no window needed
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot(np.arange(1, len(losses) + 1), losses)
    ax.set(
        xlabel="epoch",
        ylabel=f"{args.loss} loss",
        yscale="log",
        title=f"XOR training loss ({args.optimizer}, {args.hidden} hidden units)",
    )
    ax.grid(True, which="both", alpha=0.3)
    fig.tight_layout()
    fig.savefig(args.plot, dpi=120)
    plt.close(fig)


def _graph(model: XORNet, args: argparse.Namespace) -> None:
    """Draw one more training step's graph: the forward pass to the loss, with the gradients it gives."""
    model.zero_grad()
    loss = make_loss(args.loss)(model(tg.tensor(XOR_INPUTS)), tg.tensor(XOR_TARGETS))
    loss.backward()
    draw_graph(loss, args.graph, model=model)
    print(f"computation graph saved to {args.graph}")
    if args.graph.lower().endswith(".dot"):
        picture = args.graph[: -len(".dot")] + ".png"
        print(f"  (to see it: dot -Tpng {args.graph} -o {picture}, with Graphviz installed)")


if __name__ == "__main__":
    sys.exit(main())
