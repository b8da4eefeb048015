"""Tests of `tinygrad-edu demo`: it learns XOR, reports honestly, and refuses bad options clearly."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu.apps import demo

ROOT = Path(__file__).resolve().parents[1]

TABLE_ROW = re.compile(r"^\s+(\d)\s+(\d) \|\s+(\d) \|\s+([\d.]+) \|\s+(\d)(  <- wrong)?$")
FINAL = re.compile(r"^final loss ([\d.]+), (\d)/4 correct$", re.MULTILINE)
PLAIN_PROGRESS = re.compile(r"^  epoch\s+(\d+)/(\d+)  loss ([\d.]+)  [\d,]+ steps/s$", re.MULTILINE)


def bce(p: np.ndarray, y: np.ndarray) -> float:
    """Mean binary cross-entropy, -(1/n) sum(y log p + (1 - y) log(1 - p)), in float64."""
    p = p.astype(np.float64)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))


def test_a_short_run_prints_plain_progress_lines_the_table_and_the_final_loss(capsys):
    assert demo.main(["--epochs", "50"]) == 0
    out = capsys.readouterr().out
    assert "\r" not in out  # captured output is not a terminal: no live bar
    progress = PLAIN_PROGRESS.findall(out)
    # Epoch 1, then every tenth of the run (every 5th epoch of 50): 1, 5, 10, ..., 50.
    assert [int(epoch) for epoch, _, _ in progress] == [1] + list(range(5, 51, 5))
    assert all(total == "50" for _, total, _ in progress)

    rows = [TABLE_ROW.match(line) for line in out.splitlines() if TABLE_ROW.match(line)]
    assert [(int(r[1]), int(r[2]), int(r[3])) for r in rows] == [(0, 0, 0), (0, 1, 1), (1, 0, 1), (1, 1, 0)]
    for row in rows:  # the 'rounded' column is the prediction thresholded at 1/2, flagged when wrong
        assert int(row[5]) == int(float(row[4]) >= 0.5)
        assert (row[6] is not None) == (int(row[5]) != int(row[3]))

    final_loss, correct = FINAL.search(out).groups()
    assert float(final_loss) == pytest.approx(float(progress[-1][2]), abs=1e-6)  # the last epoch's loss
    assert int(correct) == sum(int(r[5]) == int(r[3]) for r in rows)


@pytest.mark.parametrize("loss", ["bce", "mse"])
@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_every_loss_and_optimizer_learns_xor_at_its_defaults(loss, optimizer):
    args = demo.parse_args(["--loss", loss, "--optimizer", optimizer])
    model, losses = demo.train(args, io.StringIO())
    with tg.no_grad():
        predictions = model(tg.tensor(demo.XOR_INPUTS)).numpy()[:, 0]
    targets = demo.XOR_TARGETS[:, 0]
    assert np.all((predictions >= 0.5) == targets), predictions
    assert losses[-1] < losses[0] / 10

    # The reported loss is the one the chosen formula gives (it was computed before the last update,
    # which moves it only a little this late in training).
    expected = bce(predictions, targets) if loss == "bce" else float(np.mean((predictions - targets) ** 2))
    assert losses[-1] == pytest.approx(expected, rel=0.05, abs=1e-5)

    out = io.StringIO()
    assert demo.report(model, losses, out) == 4
    assert "4/4 correct" in out.getvalue()


def test_the_default_run_gets_4_of_4(capsys):
    assert demo.main([]) == 0
    out = capsys.readouterr().out
    assert FINAL.search(out).group(2) == "4"
    assert "<- wrong" not in out


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_on_a_terminal_the_progress_is_one_live_bar_that_ends_full():
    stream = Terminal()
    progress = demo.Progress(total=2000, stream=stream)
    for epoch in range(2000):
        progress.update(epoch, loss=1.0 / (epoch + 1))
    text = stream.getvalue()
    assert text.count("\n") == 1 and text.endswith("\n")  # one line, redrawn in place with \r
    drawings = text.split("\r")[1:]
    assert 2 <= len(drawings) <= 2000  # the first and last at least; throttled, so usually just those
    last = drawings[-1]
    assert "2000/2000" in last and "[" + "#" * demo.Progress.WIDTH + "]" in last and "steps/s" in last
    assert "loss 0.000500" in last


BAD_ARGUMENTS = [
    (["--epochs", "0"], "--epochs: expected a positive integer"),
    (["--epochs", "ten"], "--epochs: expected a positive integer"),
    (["--hidden", "-3"], "--hidden: expected a positive integer"),
    (["--lr", "-0.1"], "--lr: expected a positive number"),
    (["--lr", "nan"], "--lr: expected a positive number"),
    (["--loss", "hinge"], "invalid choice: 'hinge'"),
    (["--optimizer", "rmsprop"], "invalid choice: 'rmsprop'"),
    (["--seed", "1.5"], "--seed: invalid int value"),
    (["--plot", "curve.jpg"], "--plot: expected a file name ending in .png"),
    (["--graph", "graph.gif"], "--graph: expected a file name ending in .dot or .png"),
    (["--bogus"], "unrecognized arguments: --bogus"),
]


@pytest.mark.parametrize("argv, message", BAD_ARGUMENTS, ids=[" ".join(a) for a, _ in BAD_ARGUMENTS])
def test_bad_arguments_exit_with_status_2_and_say_why(capsys, argv, message):
    with pytest.raises(SystemExit) as exit_info:
        demo.main(argv)
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "usage: tinygrad-edu demo" in err and message in err


def test_plot_without_matplotlib_says_how_to_install_it_before_training(monkeypatch, capsys, tmp_path):
    monkeypatch.setattr(demo, "_has_matplotlib", lambda: False)
    with pytest.raises(SystemExit) as exit_info:
        demo.main(["--plot", str(tmp_path / "loss.png")])
    assert exit_info.value.code == 2
    captured = capsys.readouterr()
    assert "needs matplotlib" in captured.err and "pip install" in captured.err
    assert "epoch" not in captured.out  # refused before any training
    assert not (tmp_path / "loss.png").exists()


def test_plot_with_matplotlib_saves_a_png(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    path = tmp_path / "loss.png"
    assert demo.main(["--epochs", "20", "--plot", str(path)]) == 0
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_graph_dot_saves_the_graph_of_one_step_with_parameter_names(tmp_path, capsys):
    path = tmp_path / "step.dot"
    assert demo.main(["--epochs", "20", "--graph", str(path)]) == 0
    text = path.read_text(encoding="utf-8")
    labels = re.findall(r'\[label="([^"]*)"', text)
    edges = re.findall(r"^\s*t\d+ -> t\d+;$", text, re.MULTILINE)
    # Ops: Linear, Sigmoid, Linear, Sigmoid, BCELoss; leaves: the inputs and the 4 parameters.
    titles = sorted(label.split("\\n")[0] for label in labels)
    assert titles == sorted(
        [
            "Linear",
            "Sigmoid",
            "Linear",
            "Sigmoid",
            "BCELoss",
            "data",
            "hidden.weight",
            "hidden.bias",
            "output.weight",
            "output.bias",
        ]
    )
    # Each Linear has 3 tensor inputs (x, W, b), each Sigmoid 1, the loss 1 (its target is an option).
    assert len(edges) == 3 + 1 + 3 + 1 + 1
    # The step's backward ran: every parameter shows its gradient norm.
    assert sum("grad norm" in label for label in labels) == 4


def test_graph_png_without_graphviz_is_refused_before_training(monkeypatch, capsys, tmp_path):
    monkeypatch.setattr(demo, "_missing_graphviz", lambda: ["the graphviz Python package (pip install graphviz)"])
    with pytest.raises(SystemExit) as exit_info:
        demo.main(["--graph", str(tmp_path / "step.png")])
    assert exit_info.value.code == 2
    assert "pip install graphviz" in capsys.readouterr().err


def test_python_dash_m_runs_the_demo():
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    result = subprocess.run(
        [sys.executable, "-m", "tinygrad_edu", "demo", "--epochs", "50"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "\r" not in result.stdout  # a pipe: plain lines
    assert FINAL.search(result.stdout) and "50/50" in result.stdout


EPOCH_LINE = re.compile(r"^  epoch (\d+)/(\d+)  (\d+)/(\d+) batches  loss ([\d.]+)$", re.MULTILINE)


def test_minibatches_from_a_dataloader_print_one_line_per_epoch_when_not_a_terminal(capsys):
    assert demo.main(["--batch-size", "32", "--epochs", "5", "--optimizer", "adam"]) == 0
    out = capsys.readouterr().out
    lines = EPOCH_LINE.findall(out)
    # 256 points in batches of 32: 8 batches; one line at the end of each epoch, and nothing else of the bar
    assert [(int(e), int(t), int(b), int(n)) for e, t, b, n, _ in lines] == [(e, 5, 8, 8) for e in range(1, 6)]
    assert "\r" not in out and "#" not in out
    epoch_losses = [float(loss) for *_, loss in lines]
    assert epoch_losses[-1] < epoch_losses[0]
    assert float(FINAL.search(out).group(1)) == pytest.approx(epoch_losses[-1], abs=1e-6)


def test_on_a_terminal_the_epoch_bar_is_redrawn_per_batch_and_ends_each_epoch_with_a_newline():
    stream = Terminal()
    bar = demo.EpochBar(epochs=2, batches=4, stream=stream)
    for epoch in range(2):
        for batch in range(4):
            bar.update(epoch, batch, loss=float(batch + 1))  # epoch means so far: 1, 1.5, 2, 2.5
    lines = stream.getvalue().split("\n")
    assert len(lines) == 3 and lines[2] == ""  # two epochs, each one line drawn in place
    drawings = lines[0].split("\r")[1:]
    assert len(drawings) == 4 and drawings[1].startswith("  epoch 1/2  2/4 batches  loss 1.500000 [")
    assert drawings[-1] == "  epoch 1/2  4/4 batches  loss 2.500000 [" + "#" * demo.EpochBar.WIDTH + "]"
    assert lines[1].split("\r")[-1].startswith("  epoch 2/2  4/4 batches  loss 2.500000")
