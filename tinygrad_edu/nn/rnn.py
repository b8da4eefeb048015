"""Recurrent layers: nn.RNN, nn.LSTM, nn.GRU and their one-step cells RNNCell, LSTMCell, GRUCell, as PyTorch's.

Each step is written with existing ops (linear, sigmoid, tanh, relu, chunk, stack, cat), so autograd, gradcheck
and tg.compile need nothing new: backpropagation through time is the ordinary backward walk over the unrolled
steps. The three steps, with x W^T + b for every gate at once (PyTorch's gate order, in its weight's rows):

    RNN   h' = tanh(W_ih x + b_ih + W_hh h + b_hh)                     (or relu)
    LSTM  i, f, g, o = chunks of (W_ih x + b_ih + W_hh h + b_hh)
          c' = sigmoid(f) c + sigmoid(i) tanh(g),   h' = sigmoid(o) tanh(c')   (then h' W_hr^T with proj_size)
    GRU   r, z, n = chunks of W_ih x + b_ih and of W_hh h + b_hh (kept apart: r gates only the hidden part of n)
          r = sigmoid(x_r + h_r),  z = sigmoid(x_z + h_z),  n = tanh(x_n + r h_n),  h' = (1 - z) n + z h

A layer runs one step per time step, left to right (and right to left for the second direction of a bidirectional
layer). The names of the parameters, their shapes, their initialisation (uniform in +-1/sqrt(hidden_size)), the
inputs' layouts, the outputs and the repr are PyTorch's, so a PyTorch state_dict loads as it is.

A PackedSequence (nn.utils.rnn.pack_padded_sequence; nn/rnn_utils.py) steps each sequence of the batch as far as its
own length: at step t only the batch_sizes[t] sequences still running take a step, the others keep their state.
"""

from __future__ import annotations

import math
import numbers
import warnings
from typing import Any

import numpy as np

from tinygrad_edu.dtypes import DTypeLike, dtype_or_default
from tinygrad_edu.errors import ArgumentError, ShapeError
from tinygrad_edu.functional import cat, stack
from tinygrad_edu.nn import init
from tinygrad_edu.nn.dropout import dropout
from tinygrad_edu.nn.functional import linear
from tinygrad_edu.nn.module import Module, Parameter
from tinygrad_edu.nn.rnn_utils import PackedSequence
from tinygrad_edu.tensor import Tensor, _operand_tensor

__all__ = [
    "RNNBase",
    "RNN",
    "LSTM",
    "GRU",
    "RNNCellBase",
    "RNNCell",
    "LSTMCell",
    "GRUCell",
]

State = Any  # a Tensor h, or a tuple (h, c) for the LSTM

# mode -> how many blocks of hidden_size rows W_ih and W_hh have (one per gate)
_GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


# ---- one time step: the gates' formulas, shared by the layers and the cells -----------------------------


def _step(mode: str, x_part: Tensor, state: State, w_hh: Tensor, b_hh: Tensor | None, w_hr: Tensor | None) -> State:
    """One step from x_part = W_ih x + b_ih (the input's part of the gates) and the previous state."""
    if mode == "GRU":
        h = state
        x_r, x_z, x_n = x_part.chunk(3, -1)
        h_r, h_z, h_n = linear(h, w_hh, b_hh).chunk(3, -1)
        r = (x_r + h_r).sigmoid()
        z = (x_z + h_z).sigmoid()
        n = (x_n + r * h_n).tanh()  # the reset gate scales only the hidden part, b_hn included (PyTorch's n)
        return (1 - z) * n + z * h
    if mode == "LSTM":
        h, c = state
        i, f, g, o = (x_part + linear(h, w_hh, b_hh)).chunk(4, -1)
        c = f.sigmoid() * c + i.sigmoid() * g.tanh()
        h = o.sigmoid() * c.tanh()
        if w_hr is not None:  # proj_size: the hidden state is projected down, the cell state is not
            h = linear(h, w_hr)
        return h, c
    pre = x_part + linear(state, w_hh, b_hh)
    return pre.tanh() if mode == "RNN_TANH" else pre.relu()


def _hidden(state: State) -> Tensor:
    """The hidden state h of a step's state: what the layer outputs at that step."""
    return state[0] if isinstance(state, tuple) else state


def _rows(state: State, start: int, stop: int | None) -> State:
    """Rows start:stop of a state (of h, and of c for the LSTM): some of the batch's sequences."""
    return tuple(s[start:stop] for s in state) if isinstance(state, tuple) else state[start:stop]


def _join(first: State, rest: State) -> State:
    """Two states' rows one after the other."""
    if isinstance(first, tuple):
        return tuple(cat([a, b]) for a, b in zip(first, rest))
    return cat([first, rest])


def _check_dropout(dropout: Any, num_layers: int) -> float:
    if not isinstance(dropout, numbers.Number) or isinstance(dropout, bool) or not 0 <= dropout <= 1:  # type: ignore[operator]
        raise ValueError(
            "dropout should be a number in range [0, 1] representing the probability of an element being zeroed"
        )
    if dropout > 0 and num_layers == 1:  # type: ignore[operator]
        warnings.warn(
            "dropout option adds dropout after all but last recurrent layer, so non-zero dropout expects "
            f"num_layers greater than 1, but got dropout={dropout} and num_layers={num_layers}",
            stacklevel=3,
        )
    return float(dropout)  # type: ignore[arg-type]


def _check_sizes(input_size: Any, hidden_size: Any, bias: Any) -> None:
    """PyTorch's checks of the sizes every recurrent layer and cell takes, with its messages."""
    if not isinstance(bias, bool):
        raise TypeError(f"bias should be of type bool, got: {type(bias).__name__}")
    for name, size in (("input_size", input_size), ("hidden_size", hidden_size)):
        if not isinstance(size, int):
            raise TypeError(f"{name} should be of type int, got: {type(size).__name__}")
        if size <= 0:
            raise ValueError(f"{name} must be greater than zero")


def _check_dtype(layer: Module, input: Tensor, weight: Tensor) -> None:
    if input.data.dtype != weight.data.dtype:
        dtype = weight.data.dtype
        raise ValueError(
            f"{type(layer).__name__}: input dtype ({input.data.dtype}) does not match weight dtype ({dtype}). "
            f"Convert input: input.to({dtype}), or convert model: model.to({input.data.dtype})"
        )


def _empty(dtype: np.dtype, *shape: int) -> Parameter:
    return Parameter(Tensor._from_op(np.empty(shape, dtype=dtype), None))


# ---- the layers ----------------------------------------------------------------------------------------


class RNNBase(Module):
    """What RNN, LSTM and GRU share: the parameters of every layer and direction, the checks and the loop.

    mode is "RNN_TANH", "RNN_RELU", "LSTM" or "GRU". Layer k (direction suffix "" or "_reverse") has
    weight_ih_l{k} (gates * hidden_size, its input size), weight_hh_l{k} (gates * hidden_size, hidden size),
    bias_ih_l{k} and bias_hh_l{k} (gates * hidden_size,), and with proj_size weight_hr_l{k} (proj_size,
    hidden_size); registered in that order, as PyTorch, so state_dict keys and parameters() match PyTorch's.
    """

    def __init__(
        self,
        mode: str,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        proj_size: int = 0,
        device: Any = None,
        dtype: DTypeLike = None,
    ) -> None:
        super().__init__()
        if mode not in _GATES:
            raise ValueError("Unrecognized RNN mode: " + mode)
        self.mode = mode
        self.input_size, self.hidden_size, self.num_layers = input_size, hidden_size, num_layers
        self.bias, self.batch_first, self.bidirectional, self.proj_size = bias, batch_first, bidirectional, proj_size
        self.dropout = _check_dropout(dropout, num_layers)
        _check_sizes(input_size, hidden_size, bias)
        if not isinstance(batch_first, bool):
            raise TypeError(f"batch_first should be of type bool, got: {type(batch_first).__name__}")
        if num_layers <= 0:
            raise ValueError("num_layers must be greater than zero")
        if proj_size < 0:
            raise ValueError("proj_size should be a positive integer or zero to disable projections")
        if proj_size and mode != "LSTM":
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        if proj_size >= hidden_size:
            raise ValueError("proj_size has to be smaller than hidden_size")
        dtype = dtype_or_default(dtype)
        gate_size = _GATES[mode] * hidden_size
        real_hidden_size = proj_size if proj_size > 0 else hidden_size  # the size of h, the layer's output
        directions = 2 if bidirectional else 1
        self._flat_weights_names: list[str] = []
        self._all_weights: list[list[str]] = []
        for layer in range(num_layers):
            layer_input_size = input_size if layer == 0 else real_hidden_size * directions
            for direction in range(directions):
                suffix = f"_l{layer}" + ("_reverse" if direction == 1 else "")
                shapes: dict[str, tuple[int, ...]] = {
                    "weight_ih": (gate_size, layer_input_size),
                    "weight_hh": (gate_size, real_hidden_size),
                }
                if bias:
                    shapes.update({"bias_ih": (gate_size,), "bias_hh": (gate_size,)})
                if proj_size > 0:
                    shapes["weight_hr"] = (proj_size, hidden_size)
                names = [name + suffix for name in shapes]
                for name, shape in zip(names, shapes.values()):
                    setattr(self, name, _empty(dtype, *shape))
                self._flat_weights_names.extend(names)
                self._all_weights.append(names)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Every weight and bias uniform in [-1/sqrt(hidden_size), 1/sqrt(hidden_size)), in parameters() order."""
        bound = 1.0 / math.sqrt(self.hidden_size)
        for weight in self.parameters():
            init.uniform_(weight, -bound, bound)

    def flatten_parameters(self) -> None:
        """Does nothing: PyTorch packs the weights into one buffer for cuDNN; here they stay separate arrays."""

    @property
    def all_weights(self) -> list[list[Parameter]]:
        """The parameters of each layer and direction, in order: [[weight_ih_l0, weight_hh_l0, ...], ...]."""
        return [[getattr(self, name) for name in names] for names in self._all_weights]

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size != 0:
            s += f", proj_size={self.proj_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if self.batch_first is not False:
            s += f", batch_first={self.batch_first}"
        if self.dropout != 0:
            s += f", dropout={self.dropout}"
        if self.bidirectional is not False:
            s += f", bidirectional={self.bidirectional}"
        return s

    # ---- forward ----

    def forward(self, input: Any, hx: Any = None) -> tuple[Any, Any]:
        """(output, h_n) for RNN and GRU, (output, (h_n, c_n)) for the LSTM.

        input (L, N, input_size), or (N, L, input_size) with batch_first, or one unbatched sequence
        (L, input_size). hx (num_layers * directions, N, hidden_size), or (h_0, c_0) for the LSTM (h_0's last
        size proj_size when it is set); unbatched: without the N. Zeros when not given. output (L, N, directions *
        hidden_size) (or batch first, or unbatched), the last layer's h at every step; h_n (and c_n) each layer's
        and direction's last state, as hx.
        """
        if isinstance(input, PackedSequence):
            return self._forward_packed(input, hx)
        x = self._checked_input(input, 2, 3)
        batched = x.ndim == 3
        if not batched:
            x = x.unsqueeze(1)  # one sequence: a batch of one, taken off at the end
        elif self.batch_first:
            x = x.transpose(0, 1)  # the loop below is sequence-first, as PyTorch's
        output, h_n = self._layers(x, self._initial_states(x, x.shape[1], hx, batched), None)
        if not batched:
            return output.squeeze(1), tuple(h.squeeze(1) for h in h_n) if self.mode == "LSTM" else h_n.squeeze(1)
        return (output.transpose(0, 1) if self.batch_first else output), h_n

    def _forward_packed(self, input: PackedSequence, hx: Any) -> tuple[PackedSequence, Any]:
        """The same layers over a PackedSequence: its batch in sorted order (longest first) inside, hx and h_n in
        the batch's own order outside."""
        data, batch_sizes, sorted_indices, unsorted_indices = input
        x = self._checked_input(data, 2, 2)
        sizes = [int(size) for size in batch_sizes.data]
        order = None if sorted_indices is None else sorted_indices.data
        output, h_n = self._layers(x, self._initial_states(x, sizes[0], hx, True, order), sizes)
        if unsorted_indices is not None:
            back = unsorted_indices.data
            h_n = tuple(h[:, back] for h in h_n) if self.mode == "LSTM" else h_n[:, back]
        return PackedSequence(output, batch_sizes, sorted_indices, unsorted_indices), h_n

    def _checked_input(self, input: Any, min_dim: int, max_dim: int) -> Tensor:
        x = _operand_tensor(input)
        if not min_dim <= x.ndim <= max_dim:
            expected = f"{min_dim}D" if min_dim == max_dim else f"{min_dim}D or {max_dim}D"
            what = "a PackedSequence's data" if min_dim == max_dim else "input"
            raise ShapeError(
                f"{type(self).__name__}: Expected {what} to be {expected}, got {x.ndim}D tensor instead "
                f"(shape {x.shape})"
            )
        _check_dtype(self, x, self.all_weights[0][0])
        if x.shape[-1] != self.input_size:
            raise ShapeError(
                f"{self!r}: input.size(-1) must be equal to input_size. Expected {self.input_size}, "
                f"got {x.shape[-1]} (input of shape {x.shape})"
            )
        return x

    def _layers(self, x: Tensor, states: list[State], batch_sizes: list[int] | None) -> tuple[Tensor, Any]:
        """Every layer and direction over x: (the last layer's output, h_n or (h_n, c_n)).

        x is (L, N, features), or a PackedSequence's data (rows of all steps, features) with its batch_sizes. It is
        cut into its steps once, and the layers pass lists of steps to each other: a slice's backward writes into
        an array of the whole sequence, so slicing every layer's output again would cost time quadratic in L.
        """
        steps = list(x.unbind(0) if batch_sizes is None else x.split(batch_sizes, 0))
        directions = 2 if self.bidirectional else 1
        last_states = []
        for layer in range(self.num_layers):
            if layer > 0 and self.dropout > 0:  # between layers only, in training only
                steps = [dropout(step, self.dropout, training=self.training) for step in steps]
            outputs = []
            for direction in range(directions):
                k = layer * directions + direction
                out, last = self._run(steps, states[k], self.all_weights[k], reverse=direction == 1)
                outputs.append(out)
                last_states.append(last)
            steps = outputs[0] if directions == 1 else [cat(both, -1) for both in zip(*outputs)]
        output = stack(steps) if batch_sizes is None else cat(steps)
        if self.mode == "LSTM":
            return output, (stack([h for h, _ in last_states]), stack([c for _, c in last_states]))
        return output, stack(last_states)

    def _run(
        self, steps: list[Tensor], state: State, weights: list[Parameter], reverse: bool
    ) -> tuple[list[Tensor], State]:
        """One layer in one direction over the steps of a sequence: (its h at every step, its last state).

        Packed, step t has the first batch_sizes[t] sequences only: they step, the others keep their state (in
        the reverse direction, a sequence starts when its own last step comes, from its initial state).
        """
        w_ih, w_hh = weights[0], weights[1]
        b_ih, b_hh = (weights[2], weights[3]) if self.bias else (None, None)
        w_hr = weights[-1] if self.proj_size > 0 else None
        hidden: list[Tensor] = [None] * len(steps)  # type: ignore[list-item]
        for t in reversed(range(len(steps))) if reverse else range(len(steps)):
            x_part = linear(steps[t], w_ih, b_ih)  # the input's part of the gates
            running = x_part.shape[0]
            if running == _hidden(state).shape[0]:
                state = _step(self.mode, x_part, state, w_hh, b_hh, w_hr)
                hidden[t] = _hidden(state)
            else:  # packed: the sequences that have ended (or, reversed, not begun) keep their state
                stepped = _step(self.mode, x_part, _rows(state, 0, running), w_hh, b_hh, w_hr)
                state = _join(stepped, _rows(state, running, None))
                hidden[t] = _hidden(stepped)
        return hidden, state

    def _initial_states(
        self, x: Tensor, batch: int, hx: Any, batched: bool, order: np.ndarray | None = None
    ) -> list[State]:
        """hx checked against the shapes PyTorch expects, and cut into one state per layer and direction.

        order: a packed batch's sorted_indices, to take hx from the caller's order to the packed one.
        """
        name = type(self).__name__
        directions = 2 if self.bidirectional else 1
        h_size = self.proj_size if self.proj_size > 0 else self.hidden_size
        expected_h = (self.num_layers * directions, batch, h_size)
        expected_c = (self.num_layers * directions, batch, self.hidden_size)
        lstm = self.mode == "LSTM"
        if hx is None:
            h = Tensor._from_op(np.zeros_like(x.data, shape=expected_h), None)
            if not lstm:
                return list(h.unbind(0))
            c = Tensor._from_op(np.zeros_like(x.data, shape=expected_c), None)
            return list(zip(h.unbind(0), c.unbind(0)))
        if lstm and not (isinstance(hx, (tuple, list)) and len(hx) == 2):
            raise ShapeError(f"{name}: hx must be a tuple (h_0, c_0) of two tensors, got {type(hx).__name__}")
        given = [_operand_tensor(t) for t in hx] if lstm else [_operand_tensor(hx)]
        ndim = 3 if batched else 2
        if any(t.ndim != ndim for t in given):
            what = "hx and cx" if lstm else "hx"
            got = ", ".join(f"{t.ndim}-D" for t in given)
            shapes = ", ".join(str(t.shape) for t in given)
            raise ShapeError(
                f"{name}: for {'batched 3-D' if batched else 'unbatched 2-D'} input, {what} should also be "
                f"{ndim}-D but got ({got}) tensor{'s' if lstm else ''} of shape {shapes}"
            )
        if not batched:
            given = [t.unsqueeze(1) for t in given]
        if order is not None:  # before the check of the sizes, as PyTorch (which then takes any larger batch too)
            given = [t[:, order] for t in given]
        for i, (t, expected) in enumerate(zip(given, (expected_h, expected_c))):
            if t.shape != expected:
                which = f"hidden[{i}]" if lstm else "hidden"
                raise ShapeError(
                    f"{self!r}: Expected {which} size {expected}, got {list(t.shape)} "
                    "(num_layers * num_directions, batch, hidden size)"
                )
            _check_dtype(self, t, self.all_weights[0][0])
        if not lstm:
            return list(given[0].unbind(0))
        return list(zip(given[0].unbind(0), given[1].unbind(0)))


class RNN(RNNBase):
    """A multi-layer Elman RNN: h_t = tanh(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh), or relu, as torch.nn.RNN.

    Returns (output, h_n): the last layer's h at every step, and each layer's (and direction's) last h.

    Example:
        >>> rnn = nn.RNN(10, 20, num_layers=2)
        >>> output, h_n = rnn(tg.randn(5, 3, 10))                 # (sequence, batch, features)
        >>> output.shape, h_n.shape
        ((5, 3, 20), (2, 3, 20))
        >>> [name for name, _ in rnn.named_parameters()][:4]
        ['weight_ih_l0', 'weight_hh_l0', 'bias_ih_l0', 'bias_hh_l0']
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        nonlinearity: str = "tanh",
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        device: Any = None,
        dtype: DTypeLike = None,
        *,
        proj_size: int = 0,  # (torch accepts it, and refuses any but 0: only the LSTM projects)
    ) -> None:
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or 'relu'.")
        self.nonlinearity = nonlinearity
        mode = "RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU"
        super().__init__(
            mode,
            input_size,
            hidden_size,
            num_layers,
            bias,
            batch_first,
            dropout,
            bidirectional,
            proj_size,
            device,
            dtype,
        )


class LSTM(RNNBase):
    """A multi-layer LSTM, as torch.nn.LSTM: gates i, f, g, o (in that order in the weights' rows).

    Returns (output, (h_n, c_n)). With proj_size > 0 each step's h is projected to proj_size by weight_hr_l{k}.

    Example:
        >>> lstm = nn.LSTM(10, 20, batch_first=True)
        >>> output, (h_n, c_n) = lstm(tg.randn(3, 5, 10))          # (batch, sequence, features)
        >>> output.shape, h_n.shape, c_n.shape, lstm.weight_ih_l0.shape
        ((3, 5, 20), (1, 3, 20), (1, 3, 20), (80, 10))
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        proj_size: int = 0,
        device: Any = None,
        dtype: DTypeLike = None,
    ) -> None:
        super().__init__(
            "LSTM",
            input_size,
            hidden_size,
            num_layers,
            bias,
            batch_first,
            dropout,
            bidirectional,
            proj_size,
            device,
            dtype,
        )


class GRU(RNNBase):
    """A multi-layer GRU, as torch.nn.GRU: gates r, z, n, with n = tanh(W_in x + b_in + r * (W_hn h + b_hn)).

    Returns (output, h_n).

    Example:
        >>> gru = nn.GRU(10, 20, bidirectional=True)
        >>> output, h_n = gru(tg.randn(5, 10))                     # one unbatched sequence
        >>> output.shape, h_n.shape
        ((5, 40), (2, 20))
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        device: Any = None,
        dtype: DTypeLike = None,
        *,
        proj_size: int = 0,  # (torch accepts it, and refuses any but 0: only the LSTM projects)
    ) -> None:
        super().__init__(
            "GRU",
            input_size,
            hidden_size,
            num_layers,
            bias,
            batch_first,
            dropout,
            bidirectional,
            proj_size,
            device,
            dtype,
        )


# ---- the cells: one step, called by the user's own loop ------------------------------------------------


class RNNCellBase(Module):
    """What RNNCell, LSTMCell and GRUCell share: weight_ih (gates * hidden, input_size), weight_hh (gates * hidden,
    hidden_size), bias_ih and bias_hh (gates * hidden,), uniform in +-1/sqrt(hidden_size)."""

    mode = ""

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        bias: bool,
        num_chunks: int,
        device: Any = None,
        dtype: DTypeLike = None,
    ) -> None:
        super().__init__()
        _check_sizes(input_size, hidden_size, bias)
        dtype = dtype_or_default(dtype)
        self.input_size, self.hidden_size, self.bias = input_size, hidden_size, bias
        self.weight_ih = _empty(dtype, num_chunks * hidden_size, input_size)
        self.weight_hh = _empty(dtype, num_chunks * hidden_size, hidden_size)
        if bias:
            self.bias_ih = _empty(dtype, num_chunks * hidden_size)
            self.bias_hh = _empty(dtype, num_chunks * hidden_size)
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Every weight and bias uniform in [-1/sqrt(hidden_size), 1/sqrt(hidden_size)), in parameters() order."""
        bound = 1.0 / math.sqrt(self.hidden_size)
        for weight in self.parameters():
            init.uniform_(weight, -bound, bound)

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        nonlinearity = getattr(self, "nonlinearity", "tanh")  # RNNCell's
        if nonlinearity != "tanh":
            s += f", nonlinearity={nonlinearity}"
        return s

    def forward(self, input: Any, hx: Any = None) -> Any:
        """The next state from input (N, input_size) or unbatched (input_size,) and the state (zeros if None)."""
        name = type(self).__name__
        x = _operand_tensor(input)
        if x.ndim not in (1, 2):
            raise ShapeError(f"{name}: Expected input to be 1D or 2D, got {x.ndim}D instead (shape {x.shape})")
        lstm = self.mode == "LSTM"
        if lstm and hx is not None and not (isinstance(hx, (tuple, list)) and len(hx) == 2):
            raise ShapeError(f"{name}: hx must be a tuple (h_0, c_0) of two tensors, got {type(hx).__name__}")
        given = None if hx is None else [_operand_tensor(t) for t in hx] if lstm else [_operand_tensor(hx)]
        for t in given or []:
            if t.ndim not in (1, 2):
                raise ShapeError(f"{name}: Expected hidden to be 1D or 2D, got {t.ndim}D instead (shape {t.shape})")
        batched = x.ndim == 2
        if not batched:
            x = x.unsqueeze(0)
        _check_dtype(self, x, self.weight_ih)
        if x.shape[1] != self.input_size:
            raise ShapeError(
                f"{self!r}: input has inconsistent input_size: got {x.shape[1]} expected {self.input_size} "
                f"(input of shape {x.shape})"
            )
        expected = (x.shape[0], self.hidden_size)
        if given is None:
            zeros = Tensor._from_op(np.zeros_like(x.data, shape=expected), None)
            state: State = (zeros, zeros) if lstm else zeros
        else:
            given = [t if batched else t.unsqueeze(0) for t in given]
            for i, t in enumerate(given):
                if t.shape != expected:
                    raise ShapeError(
                        f"{self!r}: hidden{i} of shape {t.shape} does not fit: expected {expected} "
                        f"(input batch size {x.shape[0]}, hidden_size {self.hidden_size})"
                    )
                _check_dtype(self, t, self.weight_ih)
            state = tuple(given) if lstm else given[0]
        state = _step(self.mode, linear(x, self.weight_ih, self.bias_ih), state, self.weight_hh, self.bias_hh, None)
        if batched:
            return state
        return (state[0].squeeze(0), state[1].squeeze(0)) if lstm else state.squeeze(0)


class RNNCell(RNNCellBase):
    """One Elman RNN step: h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh) (or relu), as torch.nn.RNNCell.

    Example:
        >>> cell = nn.RNNCell(10, 20)
        >>> h = None
        >>> for x in tg.randn(6, 3, 10):                            # the user's loop over time
        ...     h = cell(x, h)
        >>> h.shape
        (3, 20)
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        bias: bool = True,
        nonlinearity: str = "tanh",
        device: Any = None,
        dtype: DTypeLike = None,
    ) -> None:
        super().__init__(input_size, hidden_size, bias, num_chunks=1, device=device, dtype=dtype)
        self.nonlinearity = nonlinearity  # checked at the first step, as PyTorch

    @property
    def mode(self) -> str:  # type: ignore[override]
        if self.nonlinearity not in ("tanh", "relu"):
            raise ArgumentError(f"RNNCell: Unknown nonlinearity: {self.nonlinearity}. Select from 'tanh' or 'relu'.")
        return "RNN_TANH" if self.nonlinearity == "tanh" else "RNN_RELU"


class LSTMCell(RNNCellBase):
    """One LSTM step: (h, c) -> (h', c'), gates i, f, g, o, as torch.nn.LSTMCell.

    Example:
        >>> cell = nn.LSTMCell(10, 20)
        >>> h, c = cell(tg.randn(3, 10))                            # state zeros when not given
        >>> h, c = cell(tg.randn(3, 10), (h, c))
        >>> h.shape, c.shape
        ((3, 20), (3, 20))
    """

    mode = "LSTM"

    def __init__(
        self, input_size: int, hidden_size: int, bias: bool = True, device: Any = None, dtype: DTypeLike = None
    ) -> None:
        super().__init__(input_size, hidden_size, bias, num_chunks=4, device=device, dtype=dtype)


class GRUCell(RNNCellBase):
    """One GRU step: h -> h', gates r, z, n, as torch.nn.GRUCell.

    Example:
        >>> cell = nn.GRUCell(10, 20)
        >>> cell(tg.randn(10), tg.zeros(20)).shape                 # unbatched
        (20,)
    """

    mode = "GRU"

    def __init__(
        self, input_size: int, hidden_size: int, bias: bool = True, device: Any = None, dtype: DTypeLike = None
    ) -> None:
        super().__init__(input_size, hidden_size, bias, num_chunks=3, device=device, dtype=dtype)
