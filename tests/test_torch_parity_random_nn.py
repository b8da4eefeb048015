"""Random layer calls run on tinygrad_edu and on PyTorch side by side: the same values, dtypes and shapes forward,
the same gradients of the input and of every parameter backward, the same buffers after the step, and the same
exception class where a drawn configuration is invalid.

An example draws one row of the CASES table below (rows weighted by how often courses use the layer), a random
configuration for it and an input that fits it (sometimes one that does not), and a dtype: float64, compared to
1e-10, or float32, compared to 1e-5 of the output's largest magnitude. A module is built by torch first
(`torch.manual_seed(0)`), then by us with the same arguments, and torch's `state_dict` is loaded into ours (so
the keys must match too). Each row is written once as `call(lib, module, inputs)` and run with `lib = torch` and
`lib = tinygrad_edu`, as in test_torch_parity_random.py; a failure prints the drawn configuration first.

The run is derandomized so CI is stable; `TG_FUZZ_EXAMPLES=5000` runs more examples with a random seed (the way
the disagreements fixed so far were found, each now a row in test_found_cases_agree_with_torch).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import hypothesis.strategies as st
import numpy as np
import pytest
from fuzzing import fuzz_settings
from hypothesis import HealthCheck, assume, given, note

import tinygrad_edu as tg

torch = pytest.importorskip("torch")

EXAMPLES = fuzz_settings(900, HealthCheck.filter_too_much)
TOLERANCE = {"float32": 1e-5, "float64": 1e-10}


@dataclass
class Case:
    """One drawn layer call: `build(lib)` makes the module (None for a functional call), `call(lib, module,
    inputs)` runs it; each input is (array, requires_grad), float arrays taking the drawn dtype."""

    config: str
    call: Callable[[Any, Any, list[Any]], Any]
    inputs: list[tuple[np.ndarray, bool]]
    build: Callable[[Any], Any] | None = None
    training: bool = True
    rtol_scale: float = 1.0  # float32 only: rows whose formulas amplify rounding (bicubic) may widen it
    dtypes: tuple[str, ...] = ("float64", "float32")  # fewer where torch's kernel is off (said where it is set)
    skip: Callable[[Any], bool] | None = None  # given torch's output: a case torch gets wrong (said where set)


# ---- comparing the two libraries --------------------------------------------------------------------


def dtype_name(t: Any) -> str:
    return str(t.dtype).removeprefix("torch.")


def values(t: Any) -> np.ndarray:
    return t.detach().numpy() if isinstance(t, torch.Tensor) else np.asarray(t.data)


def assert_close(ours: Any, theirs: Any, what: str, scale: float = 1.0) -> None:
    """The same tensor (or tuple of tensors, or None): shape, dtype, values."""
    if theirs is None or isinstance(theirs, (bool, int, float)):
        assert ours == theirs, f"{what}: {ours!r} != {theirs!r}"
        return
    if isinstance(theirs, tuple):
        assert isinstance(ours, tuple) and len(ours) == len(theirs), f"{what}: {type(ours)} of {len(theirs)}"
        for i, (o, t) in enumerate(zip(ours, theirs)):
            assert_close(o, t, f"{what}[{i}]", scale)
        return
    assert isinstance(ours, tg.Tensor), f"{what}: {type(ours).__name__}, torch gives a Tensor"
    assert tuple(ours.shape) == tuple(theirs.shape), f"{what}: shape {tuple(ours.shape)} != {tuple(theirs.shape)}"
    assert dtype_name(ours) == dtype_name(theirs), f"{what}: dtype {dtype_name(ours)} != {dtype_name(theirs)}"
    expected = values(theirs)
    tol = TOLERANCE.get(dtype_name(theirs), 0.0)
    if dtype_name(theirs) == "float32":  # 1e-5 of the largest magnitude: float32 sums lose digits to cancellation
        finite = np.abs(expected[np.isfinite(expected)])
        tol *= scale * max(1.0, float(finite.max()) if finite.size else 1.0)
    np.testing.assert_allclose(values(ours), expected, rtol=tol, atol=tol, equal_nan=True, err_msg=what)


def builtin_class(error: BaseException) -> type:
    """The class we must raise where torch raises `error`: its first built-in class (torch's own derive from
    RuntimeError & co.), and for NotImplementedError any RuntimeError, as in test_torch_parity_random.py."""
    found = next(c for c in type(error).__mro__ if c.__module__ == "builtins")
    return RuntimeError if found is NotImplementedError else found


def both(fn: Callable[[Any], Any]) -> tuple[Any, Any] | None:
    """(fn(tg), fn(torch)), or None where torch raises and we raise the same class."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            theirs = fn(torch)
        except Exception as error:  # noqa: BLE001 - any class torch raises, we must raise too
            with pytest.raises(builtin_class(error)):
                fn(tg)
            return None
        return fn(tg), theirs


def leaves(lib: Any, case: Case, dtype: str) -> list[Any]:
    made = []
    for array, requires_grad in case.inputs:
        kind = dtype if array.dtype.kind == "f" else str(array.dtype)
        made.append(lib.tensor(array, dtype=getattr(lib, kind), requires_grad=requires_grad))
    return made


def float_parts(out: Any) -> list[Any]:
    """The outputs a gradient flows back through (not the int64 indices of return_indices)."""
    parts = out if isinstance(out, tuple) else (out,)
    return [p for p in parts if p is not None and dtype_name(p).startswith("float") and p.requires_grad]


def run_case(case: Case, dtype: str, seed: int, input_dtype: str | None = None) -> None:
    """Build, load torch's state, run forward and backward on both, compare; input_dtype: the float inputs' dtype
    where it is not the module's (an error, or a promotion, in both)."""
    scale = case.rtol_scale

    def build(lib: Any) -> Any:
        if case.build is None:
            return None
        if lib is torch:
            torch.manual_seed(0)
        module = case.build(lib).to(getattr(lib, dtype))
        return module.train(case.training)

    modules = both(build)
    if modules is None:
        return
    ours_m, theirs_m = modules
    if theirs_m is not None:
        state = {k: v.detach().numpy().copy() for k, v in theirs_m.state_dict().items()}
        assert sorted(ours_m.state_dict()) == sorted(state), "state_dict keys"
        ours_m.load_state_dict(state)
    inputs = (leaves(tg, case, input_dtype or dtype), leaves(torch, case, input_dtype or dtype))

    outs = both(lambda lib: case.call(lib, modules[lib is torch], inputs[lib is torch]))
    if outs is None:
        return
    if case.skip is not None and case.skip(outs[1]):
        return
    assert_close(outs[0], outs[1], "forward", scale)
    if theirs_m is not None:  # running statistics, a max_norm-renormalised embedding
        for name, buffer in theirs_m.state_dict().items():
            assert_close(ours_m.state_dict(keep_vars=True)[name], buffer, f"{name} after forward", scale)

    theirs_parts, ours_parts = float_parts(outs[1]), float_parts(outs[0])
    if not theirs_parts:
        return
    rng = np.random.default_rng(seed)
    grads_out = [rng.normal(size=tuple(p.shape)) for p in theirs_parts]

    def backward(lib: Any) -> Any:
        parts = theirs_parts if lib is torch else ours_parts
        terms = [(p * lib.tensor(g, dtype=p.dtype)).sum() for p, g in zip(parts, grads_out)]
        sum(terms[1:], terms[0]).backward()
        return lib.zeros(())

    if both(backward) is None:
        return
    for i, (ours, theirs) in enumerate(zip(*inputs)):
        if theirs.requires_grad:
            assert_close(ours.grad, theirs.grad, f"input {i}: .grad", scale)
    if theirs_m is not None:
        ours_params = dict(ours_m.named_parameters())
        for name, p in theirs_m.named_parameters():
            assert_close(ours_params[name].grad, p.grad, f"{name}.grad", scale)


# ---- drawing configurations -------------------------------------------------------------------------


def normal(data: st.DataObject, shape: tuple[int, ...], low: float | None = None, high: float | None = None) -> Any:
    """Values with no ties (max pooling picks one index), or uniform in (low, high)."""
    rng = np.random.default_rng(data.draw(st.integers(0, 2**16), label="values seed"))
    return rng.normal(size=shape) if low is None else rng.uniform(low, high, size=shape)


def per_dim(data: st.DataObject, d: int, low: int, high: int, label: str) -> int | tuple[int, ...]:
    """An int or a d-tuple, as the layers take `kernel_size`, `stride`, ..."""
    if data.draw(st.booleans(), label=f"{label} as int"):
        return data.draw(st.integers(low, high), label=label)
    return tuple(data.draw(st.integers(low, high), label=label) for _ in range(d))


def batch_shape(data: st.DataObject, channels: int, spatial: tuple[int, ...], unbatched_ok: bool = True) -> tuple:
    if unbatched_ok and data.draw(st.integers(0, 7), label="unbatched") == 0:
        return (channels, *spatial)
    return (data.draw(st.integers(1, 2), label="batch"), channels, *spatial)


def spatial(data: st.DataObject, d: int, low: int = 1, high: int = 7) -> tuple[int, ...]:
    high = min(high, 5) if d == 3 else high
    return tuple(data.draw(st.integers(low, high), label="size") for _ in range(d))


def kwargs_text(kwargs: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in kwargs.items())


def module_case(
    name: str, args: tuple, kwargs: dict[str, Any], x: np.ndarray, training: bool = True, **more: Any
) -> Case:
    """A layer `lib.nn.<name>(*args, **kwargs)` called on one input that requires grad."""
    text = f"nn.{name}({', '.join(map(repr, args))}{', ' if args and kwargs else ''}{kwargs_text(kwargs)})"
    return Case(
        config=f"{text}{'' if training else '.eval()'} on {x.shape}",
        build=lambda lib: getattr(lib.nn, name)(*args, **kwargs),
        call=lambda lib, m, inputs: m(inputs[0]),
        inputs=[(x, True)],
        training=training,
        **more,
    )


def draw_conv(data: st.DataObject) -> Case:
    d = data.draw(st.sampled_from([1, 2, 2, 3]), label="spatial dims")
    groups = data.draw(st.sampled_from([1, 1, 2, 3]), label="groups")
    cin, cout = groups * data.draw(st.integers(1, 2)), groups * data.draw(st.integers(1, 2))
    kwargs: dict[str, Any] = {
        "stride": per_dim(data, d, 1, 3, "stride"),
        "padding": data.draw(st.sampled_from(["same", "valid", 0, 1, 2, "tuple"]), label="padding"),
        "dilation": per_dim(data, d, 1, 2, "dilation"),
        "groups": groups,
        "bias": data.draw(st.booleans(), label="bias"),
        "padding_mode": data.draw(st.sampled_from(["zeros", "zeros", "reflect", "replicate", "circular"])),
    }
    if kwargs["padding"] == "tuple":
        kwargs["padding"] = tuple(data.draw(st.integers(0, 2)) for _ in range(d))
    if kwargs["padding"] == "same" and data.draw(st.booleans(), label="stride 1 for 'same'"):
        kwargs["stride"] = 1  # ('same' with a stride above 1 is an error in both: drawn half the time)
    kernel = per_dim(data, d, 1, 3, "kernel_size")
    wrong = data.draw(st.integers(0, 15), label="wrong channels") == 0  # (an error in both)
    x = normal(data, batch_shape(data, cin + wrong, spatial(data, d)))
    if kwargs["padding_mode"] == "zeros" and data.draw(st.integers(0, 3), label="functional") == 0:
        return functional_conv(data, d, x, cout, kernel, kwargs)
    return module_case(f"Conv{d}d", (cin, cout, kernel), kwargs, x)


def functional_conv(data: st.DataObject, d: int, x: np.ndarray, cout: int, kernel: Any, kwargs: dict[str, Any]) -> Case:
    """F.conv{d}d(x, weight, bias, ...) with the weight and bias as inputs that require grad."""
    groups, bias = kwargs["groups"], kwargs["bias"]
    weight = normal(data, (cout, x.shape[-d - 1] // groups, *per_axis(kernel, d)))
    options = {k: v for k, v in kwargs.items() if k not in ("bias", "padding_mode")}
    inputs = [(x, True), (weight, True)] + ([(normal(data, (cout,)), True)] if bias else [])
    return Case(
        config=f"F.conv{d}d(x {x.shape}, weight {weight.shape}, bias: {bias}, {kwargs_text(options)})",
        call=lambda lib, m, t: getattr(lib.nn.functional, f"conv{d}d")(*t[:2], t[2] if bias else None, **options),
        inputs=inputs,
    )


def draw_conv_transpose(data: st.DataObject) -> Case:
    d = data.draw(st.sampled_from([1, 2, 2, 3]), label="spatial dims")
    groups = data.draw(st.sampled_from([1, 1, 2]), label="groups")
    cin, cout = groups * data.draw(st.integers(1, 2)), groups * data.draw(st.integers(1, 2))
    kwargs: dict[str, Any] = {
        "stride": per_dim(data, d, 1, 3, "stride"),
        "padding": per_dim(data, d, 0, 2, "padding"),
        "output_padding": per_dim(data, d, 0, 2, "output_padding"),  # must be below stride or dilation
        "groups": groups,
        "bias": data.draw(st.booleans(), label="bias"),
        "dilation": per_dim(data, d, 1, 2, "dilation"),
    }
    kernel = per_dim(data, d, 1, 3, "kernel_size")
    sizes = spatial(data, d, 1, 4)
    # (an output of size 0 is an empty tensor in torch's 1-d kernel and an error in its 2-d and 3-d: not drawn)
    options = [per_axis(v, d) for v in (kwargs["stride"], kwargs["padding"], kwargs["dilation"], kernel)]
    padding_out = per_axis(kwargs["output_padding"], d)
    for n, s, p, dil, k, op in zip(sizes, *options, padding_out):
        assume((n - 1) * s - 2 * p + dil * (k - 1) + op + 1 != 0)
    x = normal(data, batch_shape(data, cin, sizes))
    case = module_case(f"ConvTranspose{d}d", (cin, cout, kernel), kwargs, x)
    if data.draw(st.integers(0, 3), label="output_size given") == 0:  # the output_padding that gives this size
        smallest = [(n - 1) * s - 2 * p + dil * (k - 1) + 1 for n, s, p, dil, k in zip(sizes, *options)]
        output_size = [m + data.draw(st.integers(0, 2), label="over smallest") for m in smallest]
        assume(min(output_size) > 0)
        if data.draw(st.booleans(), label="with batch and channels"):
            output_size = [*x.shape[: x.ndim - d], *output_size]
        case.call = lambda lib, m, inputs: m(inputs[0], output_size=output_size)
        case.config += f", output_size={output_size}"
    return case


def per_axis(value: Any, d: int) -> tuple[Any, ...]:
    return tuple(value) if isinstance(value, (tuple, list)) else (value,) * d


def draw_max_pool(data: st.DataObject) -> Case:
    d = data.draw(st.sampled_from([1, 2, 2, 3]), label="spatial dims")
    kwargs: dict[str, Any] = {
        "stride": data.draw(st.none() | st.just(per_dim(data, d, 1, 3, "stride")), label="stride"),
        "padding": per_dim(data, d, 0, 2, "padding"),  # at most half the kernel, or an error in both
        "dilation": per_dim(data, d, 1, 2, "dilation"),
        "return_indices": data.draw(st.booleans(), label="return_indices"),
        "ceil_mode": data.draw(st.booleans(), label="ceil_mode"),
    }
    kernel = per_dim(data, d, 1, 4, "kernel_size")
    x = normal(data, batch_shape(data, 2, spatial(data, d)))
    case = module_case(f"MaxPool{d}d", (kernel,), kwargs, x)
    # (a dilated window can hold padding only: torch's maximum is -inf there and its index one past the input)
    case.skip = lambda out: bool(torch.isinf(out[0] if isinstance(out, tuple) else out).any())
    return case


def draw_avg_pool(data: st.DataObject) -> Case:
    d = data.draw(st.sampled_from([1, 2, 2, 3]), label="spatial dims")
    kwargs: dict[str, Any] = {
        "stride": data.draw(st.none() | st.just(per_dim(data, d, 1, 3, "stride")), label="stride"),
        "padding": per_dim(data, d, 0, 2, "padding"),
        "ceil_mode": data.draw(st.booleans(), label="ceil_mode"),
        "count_include_pad": data.draw(st.booleans(), label="count_include_pad"),
    }
    if d > 1 and data.draw(st.integers(0, 3), label="divisor_override given") == 0:
        kwargs["divisor_override"] = data.draw(st.sampled_from([1, 3, 0]), label="divisor_override")
    kernel = per_dim(data, d, 1, 4, "kernel_size")
    x = normal(data, batch_shape(data, 2, spatial(data, d)))
    return module_case(f"AvgPool{d}d", (kernel,), kwargs, x)


def draw_adaptive_pool(data: st.DataObject) -> Case:
    d = data.draw(st.sampled_from([1, 2, 2, 3]), label="spatial dims")
    kind = data.draw(st.sampled_from(["Avg", "Max"]), label="kind")
    sizes = [data.draw(st.none() | st.integers(1, 8), label="output size") for _ in range(d)]  # (above: repeats)
    output_size: Any = sizes[0] if d == 1 or data.draw(st.booleans(), label="one int") else tuple(sizes)
    if output_size is None:
        output_size = 1
    kwargs = {"return_indices": data.draw(st.booleans())} if kind == "Max" else {}
    x = normal(data, batch_shape(data, 2, spatial(data, d)))
    return module_case(f"Adaptive{kind}Pool{d}d", (output_size,), kwargs, x)


def draw_batch_norm(data: st.DataObject) -> Case:
    d = data.draw(st.sampled_from([1, 1, 2, 2, 3]), label="BatchNorm dims")
    channels = data.draw(st.integers(1, 3), label="channels")
    kwargs: dict[str, Any] = {
        "eps": data.draw(st.sampled_from([1e-5, 1e-3, 0.1]), label="eps"),
        "momentum": data.draw(st.sampled_from([0.1, None, 0.5]), label="momentum"),
        "affine": data.draw(st.booleans(), label="affine"),
        "track_running_stats": data.draw(st.booleans(), label="track_running_stats"),
    }
    rest = {1: data.draw(st.sampled_from([(), (3,)]), label="length"), 2: (2, 3), 3: (2, 2, 2)}[d]
    wrong = data.draw(st.integers(0, 15), label="wrong channels") == 0  # (an error in both)
    x = normal(data, (data.draw(st.integers(1, 3), label="batch"), channels + wrong, *rest))
    training = data.draw(st.booleans(), label="training")
    steps = data.draw(st.integers(1, 2), label="steps")
    case = module_case(f"BatchNorm{d}d", (channels,), kwargs, x, training=training)
    case.config += f", {steps} step(s)"
    if training or not kwargs["track_running_stats"]:  # (statistics of the batch, not the running ones)
        case.dtypes = dtypes_for_normalizing(x.size // channels)
    if steps == 2:  # a second batch: the running statistics' update rule (momentum=None: a cumulative average)
        case.call = lambda lib, m, inputs: (m(inputs[0] * 0.5 + 1.0), m(inputs[0]))
    return case


def draw_layer_norm(data: st.DataObject) -> Case:
    shape = tuple(data.draw(st.integers(1, 4), label="size") for _ in range(data.draw(st.integers(1, 4))))
    k = data.draw(st.integers(1, len(shape)), label="normalized dims")
    normalized: Any = shape[-k:]
    if k == 1 and data.draw(st.booleans(), label="as int"):
        normalized = shape[-1]
    if data.draw(st.integers(0, 15), label="wrong normalized_shape") == 0:  # (an error in both)
        normalized = (*shape[-k:-1], shape[-1] + 1)
    kwargs: dict[str, Any] = {
        "eps": data.draw(st.sampled_from([1e-5, 0.1]), label="eps"),
        "elementwise_affine": data.draw(st.booleans(), label="elementwise_affine"),
        "bias": data.draw(st.booleans(), label="bias"),
    }
    case = module_case("LayerNorm", (normalized,), kwargs, normal(data, shape))
    case.dtypes = dtypes_for_normalizing(int(np.prod(shape[-k:])))
    return case


def dtypes_for_normalizing(count: int) -> tuple[str, ...]:
    """float32 too only where a mean and variance are taken over 4 values or more: over fewer, (x - mean) / std
    is ill-conditioned (one value: 0 exactly, where torch's float32 kernel leaves a rounding error times
    1/sqrt(eps); two close values: a gradient of 1/std), and both libraries' float32 results are 1e-4 or more
    from the float64 truth, each in its own way."""
    return ("float64", "float32") if count >= 4 else ("float64",)


def draw_group_norm(data: st.DataObject) -> Case:
    channels = data.draw(st.sampled_from([2, 3, 4, 6]), label="channels")
    groups = data.draw(st.sampled_from([1, 2, 3]), label="groups")  # not dividing the channels: an error in both
    kwargs = {"eps": data.draw(st.sampled_from([1e-5, 0.1])), "affine": data.draw(st.booleans(), label="affine")}
    rest = tuple(data.draw(st.integers(1, 3)) for _ in range(data.draw(st.integers(0, 2), label="spatial")))
    x = normal(data, (data.draw(st.integers(1, 2), label="batch"), channels, *rest))
    case = module_case("GroupNorm", (groups, channels), kwargs, x)
    case.dtypes = dtypes_for_normalizing(channels // groups * int(np.prod(rest)))
    return case


def draw_embedding(data: st.DataObject) -> Case:
    num, dim = data.draw(st.integers(2, 6), label="num_embeddings"), data.draw(st.integers(1, 4), label="dim")
    kwargs: dict[str, Any] = {
        "padding_idx": data.draw(st.none() | st.integers(-num - 1, num), label="padding_idx"),  # (ends: errors)
        "max_norm": data.draw(st.sampled_from([None, None, 0.5, 1.5]), label="max_norm"),
        "norm_type": data.draw(st.sampled_from([2.0, 1.0, 3.0]), label="norm_type"),
        "scale_grad_by_freq": data.draw(st.booleans(), label="scale_grad_by_freq"),
    }
    shape = data.draw(st.sampled_from([(4,), (2, 3), ()]), label="index shape")
    rng = np.random.default_rng(data.draw(st.integers(0, 2**16)))
    indices = rng.integers(0, num + (data.draw(st.integers(0, 9), label="index too large") == 0), size=shape)
    indices = indices.astype(np.int64)
    text = f"nn.Embedding({num}, {dim}, {kwargs_text(kwargs)}) on {indices.tolist()!r}"
    return Case(
        config=text,
        build=lambda lib: lib.nn.Embedding(num, dim, **kwargs),
        call=lambda lib, m, inputs: m(inputs[0]) * 1.0,  # (a product: torch's max_norm forbids grads on the view)
        inputs=[(indices, False)],
    )


MODES_BY_DIMS = {1: ["nearest", "nearest-exact", "linear", "area"], 2: ["nearest", "bilinear", "bicubic", "area"]}
MODES_BY_DIMS[3] = ["nearest", "nearest-exact", "trilinear", "area"]
MODES_BY_DIMS[2].append("nearest-exact")


def draw_interpolate(data: st.DataObject) -> Case:
    d = data.draw(st.sampled_from([1, 2, 2, 3]), label="spatial dims")
    mode = data.draw(st.sampled_from(MODES_BY_DIMS[d] + ["bilinear"]), label="mode")  # bilinear: wrong dims at times
    kwargs: dict[str, Any] = {"mode": mode}
    if "linear" in mode or mode == "bicubic" or data.draw(st.integers(0, 5), label="align_corners anyway") == 0:
        kwargs["align_corners"] = data.draw(st.sampled_from([None, True, False]), label="align_corners")
    if mode in ("bilinear", "bicubic") and data.draw(st.integers(0, 3), label="antialias given") == 0:
        kwargs["antialias"] = True
    if data.draw(st.booleans(), label="size or scale_factor"):
        sizes = tuple(data.draw(st.integers(1, 7), label="size") for _ in range(d))
        kwargs["size"] = sizes[0] if data.draw(st.booleans(), label="one int") else sizes
    else:
        factors = [data.draw(st.sampled_from([0.5, 1.5, 2, 1.7, 2.3, 3]), label="factor") for _ in range(d)]
        kwargs["scale_factor"] = factors[0] if data.draw(st.booleans(), label="one number") else tuple(factors)
        if data.draw(st.booleans(), label="recompute_scale_factor given"):
            kwargs["recompute_scale_factor"] = data.draw(st.booleans(), label="recompute_scale_factor")
    sizes = spatial(data, d, 1, 5)
    if mode == "nearest" and d != 2 and "scale_factor" in kwargs and not kwargs.get("recompute_scale_factor"):
        # (torch's 1-d and 3-d nearest backward copies i // 2 (or i) when the output is twice (or once) the input,
        # where its forward steps by 1 / scale_factor: its gradient is not its forward's; not drawn)
        factors = per_axis(kwargs["scale_factor"], d)
        assume(all(int(n * f) not in (n, 2 * n) or f in (1, 2) for n, f in zip(sizes, factors)))
    if "antialias" in kwargs:  # (torch 2.13's antialiased kernel copies the first output row everywhere when
        # a dim of the input or of the output is 1: not drawn)
        out_sizes = per_axis(kwargs["size"], d) if "size" in kwargs else [0] * d
        if "scale_factor" in kwargs:
            out_sizes = [int(n * f) for n, f in zip(sizes, per_axis(kwargs["scale_factor"], d))]
        assume(min(sizes) > 1 and min(out_sizes) > 1)
    if mode == "area" and "scale_factor" in kwargs:  # (an empty area result: torch's forward gives it, its
        factors = per_axis(kwargs["scale_factor"], d)  # backward refuses it; not drawn)
        assume(all(int(n * f) >= 1 for n, f in zip(sizes, factors)))
    x = normal(data, (data.draw(st.integers(1, 2), label="batch"), 2, *sizes))
    as_module = "antialias" not in kwargs and data.draw(st.booleans(), label="nn.Upsample")
    if as_module:
        case = module_case("Upsample", (), kwargs, x)
    else:
        case = Case(
            config=f"F.interpolate(x, {kwargs_text(kwargs)}) on {x.shape}",
            call=lambda lib, m, inputs: lib.nn.functional.interpolate(inputs[0], **kwargs),
            inputs=[(x, True)],
        )
    case.rtol_scale = 10.0 if mode == "bicubic" else 1.0
    return case


def draw_pad(data: st.DataObject) -> Case:
    ndim = data.draw(st.integers(1, 5), label="ndim")
    shape = tuple(data.draw(st.integers(1, 4), label="size") for _ in range(ndim))
    mode = data.draw(st.sampled_from(["constant", "constant", "reflect", "replicate", "circular"]), label="mode")
    # (negative pads cut; torch 2.13's circular padding with them reads memory it is writing: an error, wrong
    # values or a crash, so only constant padding draws them)
    low = -1 if mode == "constant" else 0
    pad = tuple(data.draw(st.integers(low, 3), label="pad") for _ in range(2 * data.draw(st.integers(1, 3))))
    kwargs: dict[str, Any] = {"mode": mode}
    if mode == "constant" and data.draw(st.booleans(), label="value given"):
        kwargs["value"] = data.draw(st.sampled_from([0.0, -1.5, 2.0]), label="value")
    x = normal(data, shape)
    return Case(
        config=f"F.pad(x, {pad}, {kwargs_text(kwargs)}) on {shape}",
        call=lambda lib, m, inputs: lib.nn.functional.pad(inputs[0], pad, **kwargs),
        inputs=[(x, True)],
    )


REDUCTIONS = ["mean", "mean", "sum", "none"]


def draw_regression_loss(data: st.DataObject) -> Case:
    name = data.draw(st.sampled_from(["mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss"]), label="loss")
    shape = tuple(data.draw(st.integers(1, 3)) for _ in range(data.draw(st.integers(0, 3), label="ndim")))
    kwargs: dict[str, Any] = {"reduction": data.draw(st.sampled_from(REDUCTIONS), label="reduction")}
    if name == "smooth_l1_loss":
        kwargs["beta"] = data.draw(st.sampled_from([1.0, 0.5, 0.0, 2.0]), label="beta")
    if name == "huber_loss":
        kwargs["delta"] = data.draw(st.sampled_from([1.0, 0.5, 2.0]), label="delta")
    target_grad = data.draw(st.booleans(), label="target requires grad")
    return Case(
        config=f"F.{name}(x, target, {kwargs_text(kwargs)}) on {shape}, target requires grad: {target_grad}",
        call=lambda lib, m, inputs: getattr(lib.nn.functional, name)(inputs[0], inputs[1], **kwargs),
        inputs=[(normal(data, shape), True), (normal(data, shape), target_grad)],
    )


def draw_binary_loss(data: st.DataObject) -> Case:
    logits = data.draw(st.booleans(), label="with logits")
    shape = tuple(data.draw(st.integers(1, 3)) for _ in range(data.draw(st.integers(1, 3), label="ndim")))
    kwargs: dict[str, Any] = {"reduction": data.draw(st.sampled_from(REDUCTIONS), label="reduction")}
    x = normal(data, shape) if logits else normal(data, shape, 0.05, 0.95)
    inputs = [(x, True), (normal(data, shape, 0.0, 1.0), data.draw(st.booleans(), label="target grad"))]
    names = []
    if data.draw(st.booleans(), label="weight"):
        inputs.append((normal(data, shape[-data.draw(st.integers(0, len(shape))) :], 0.1, 2.0), False))
        names.append("weight")
    if logits and data.draw(st.booleans(), label="pos_weight"):
        inputs.append((normal(data, shape[-1:], 0.1, 3.0), False))
        names.append("pos_weight")
    name = "binary_cross_entropy_with_logits" if logits else "binary_cross_entropy"
    shapes = ", ".join(f"{n}={a.shape}" for n, (a, _) in zip(["x", "target", *names], inputs))
    return Case(
        config=f"F.{name}({shapes}, {kwargs_text(kwargs)})",
        call=lambda lib, m, t: getattr(lib.nn.functional, name)(t[0], t[1], **kwargs, **dict(zip(names, t[2:]))),
        inputs=inputs,
    )


def draw_class_loss(data: st.DataObject) -> Case:
    name = data.draw(st.sampled_from(["cross_entropy", "cross_entropy", "nll_loss"]), label="loss")
    classes = data.draw(st.integers(2, 4), label="classes")
    layout = data.draw(st.sampled_from(["(N, C)", "(N, C)", "(C,)", "(N, C, d1)", "(N, C, d1, d2)"]), label="layout")
    n = data.draw(st.integers(1, 3), label="N")
    extra = {"(N, C)": (), "(C,)": (), "(N, C, d1)": (3,), "(N, C, d1, d2)": (2, 2)}[layout]
    shape = (classes,) if layout == "(C,)" else (n, classes, *extra)
    target_shape = () if layout == "(C,)" else (n, *extra)
    kwargs: dict[str, Any] = {"reduction": data.draw(st.sampled_from(REDUCTIONS), label="reduction")}
    probabilities = name == "cross_entropy" and data.draw(st.integers(0, 3), label="probabilities") == 0
    rng = np.random.default_rng(data.draw(st.integers(0, 2**16), label="target seed"))
    if probabilities:
        target = rng.dirichlet(np.ones(classes), size=target_shape)  # (..., C): move C to dim 1
        target = np.moveaxis(target, -1, 0 if layout == "(C,)" else 1).copy()
    else:
        too_large = data.draw(st.integers(0, 15), label="class index too large") == 0  # (an error in both)
        target = rng.integers(0, classes + too_large, size=target_shape).astype(np.int64)
        if data.draw(st.booleans(), label="ignore_index"):
            kwargs["ignore_index"] = data.draw(st.sampled_from([0, classes - 1, -100, -1]), label="ignore_index")
            if kwargs["ignore_index"] < 0 and target.size:
                target.flat[0] = kwargs["ignore_index"]
    if name == "cross_entropy" and data.draw(st.booleans(), label="label_smoothing"):
        kwargs["label_smoothing"] = data.draw(st.sampled_from([0.1, 0.3, 1.0]), label="label_smoothing")
    x = normal(data, shape)
    inputs = [(x, True), (target, probabilities and data.draw(st.booleans(), label="target grad"))]
    with_weight = data.draw(st.booleans(), label="weight")
    if with_weight:
        inputs.append((normal(data, (classes,), 0.1, 2.0), False))

    def call(lib: Any, m: Any, t: list[Any]) -> Any:
        x = lib.nn.functional.log_softmax(t[0], dim=0 if layout == "(C,)" else 1) if name == "nll_loss" else t[0]
        return getattr(lib.nn.functional, name)(x, t[1], weight=t[2] if with_weight else None, **kwargs)

    what = "probabilities" if probabilities else f"indices {target.tolist()}"
    # the module form keeps its weight as a buffer, in its state_dict, as PyTorch's (test_loss_weight_is_a_buffer)
    if data.draw(st.integers(0, 2), label="as a module") == 0:
        module = {"cross_entropy": "CrossEntropyLoss", "nll_loss": "NLLLoss"}[name]
        weight = inputs.pop()[0] if with_weight else None

        def build(lib: Any) -> Any:
            return getattr(lib.nn, module)(weight=None if weight is None else lib.tensor(weight), **kwargs)

        def call_module(lib: Any, m: Any, t: list[Any]) -> Any:
            x = lib.nn.functional.log_softmax(t[0], dim=0 if layout == "(C,)" else 1) if name == "nll_loss" else t[0]
            return m(x, t[1])

        return Case(
            config=f"nn.{module}(weight: {with_weight}, {kwargs_text(kwargs)})(x {shape}, target {what})",
            build=build,
            call=call_module,
            inputs=inputs,
        )
    return Case(
        config=f"F.{name}(x {shape}, target {what}, weight: {with_weight}, {kwargs_text(kwargs)})",
        call=call,
        inputs=inputs,
    )


def draw_kl_div(data: st.DataObject) -> Case:
    shape = tuple(data.draw(st.integers(1, 3)) for _ in range(data.draw(st.integers(1, 3), label="ndim")))
    kwargs = {
        "reduction": data.draw(st.sampled_from(["mean", "batchmean", "sum", "none"]), label="reduction"),
        "log_target": data.draw(st.booleans(), label="log_target"),
    }
    target = normal(data, shape, -2.0, 0.0) if kwargs["log_target"] else normal(data, shape, 0.0, 1.0)
    return Case(
        config=f"F.kl_div(x, target, {kwargs_text(kwargs)}) on {shape}",
        call=lambda lib, m, t: lib.nn.functional.kl_div(lib.nn.functional.log_softmax(t[0], -1), t[1], **kwargs),
        inputs=[(normal(data, shape), True), (target, data.draw(st.booleans(), label="target grad"))],
    )


def draw_other_loss(data: st.DataObject) -> Case:
    """The less common losses: Gaussian and Poisson NLL, margin ranking, cosine embedding, multilabel soft margin."""
    name = data.draw(
        st.sampled_from(
            [
                "gaussian_nll_loss",
                "poisson_nll_loss",
                "margin_ranking_loss",
                "cosine_embedding_loss",
                "multilabel_soft_margin_loss",
            ]
        ),
        label="loss",
    )
    n, c = data.draw(st.integers(1, 3), label="N"), data.draw(st.integers(1, 4), label="C")
    kwargs: dict[str, Any] = {"reduction": data.draw(st.sampled_from(REDUCTIONS), label="reduction")}
    signs = np.where(normal(data, (n,)) > 0, 1.0, -1.0)
    if name == "gaussian_nll_loss":
        kwargs["full"] = data.draw(st.booleans(), label="full")
        var_shape = data.draw(st.sampled_from([(n, c), (n, 1), (n,)]), label="var shape")
        inputs = [(normal(data, (n, c)), True), (normal(data, (n, c)), True), (normal(data, var_shape, 0.1, 2), True)]
    elif name == "poisson_nll_loss":
        kwargs["log_input"] = data.draw(st.booleans(), label="log_input")
        kwargs["full"] = data.draw(st.booleans(), label="full")
        x = normal(data, (n, c)) if kwargs["log_input"] else normal(data, (n, c), 0.1, 3)
        inputs = [(x, True), (np.floor(normal(data, (n, c), 0, 5)), False)]
    elif name == "margin_ranking_loss":
        kwargs["margin"] = data.draw(st.sampled_from([0.0, 0.5]), label="margin")
        inputs = [(normal(data, (n,)), True), (normal(data, (n,)), True), (signs, False)]
    elif name == "cosine_embedding_loss":
        kwargs["margin"] = data.draw(st.sampled_from([0.0, 0.5, -0.5]), label="margin")
        inputs = [(normal(data, (n, c)), True), (normal(data, (n, c)), True), (signs, False)]
    else:
        inputs = [(normal(data, (n, c)), True), ((normal(data, (n, c)) > 0).astype(np.float64), False)]
        if data.draw(st.booleans(), label="weight"):
            inputs.append((normal(data, (c,), 0.1, 2), False))
    shapes = ", ".join(str(a.shape) for a, _ in inputs)
    case = Case(
        config=f"F.{name}({shapes}, {kwargs_text(kwargs)})",
        call=lambda lib, m, t: getattr(lib.nn.functional, name)(*t, **kwargs),
        inputs=inputs,
    )
    if name == "cosine_embedding_loss" and c == 1:  # (the cosine of two numbers is +-1, its gradient 0: torch's
        case.dtypes = ("float64",)  # float32 kernel leaves 1.5e-5 of rounding there)
    return case


def draw_dropout(data: st.DataObject) -> Case:
    name = data.draw(st.sampled_from(["Dropout", "Dropout", "Dropout1d", "Dropout2d"]), label="dropout")
    p = data.draw(st.sampled_from([0.0, 0.5, 0.9, 1.0, 1.5, -0.1]), label="p")  # (outside [0, 1]: ValueError)
    ndim = {"Dropout": data.draw(st.integers(1, 4)), "Dropout1d": 3, "Dropout2d": 4}[name]
    x = normal(data, tuple(data.draw(st.integers(1, 3)) for _ in range(ndim)))
    training = p == 0.0 and data.draw(st.booleans(), label="training")  # (dropping is random: p=0 or eval only)
    return module_case(name, (p,), {}, x, training=training)


ACTIVATIONS: dict[str, Callable[[st.DataObject], tuple[tuple, dict[str, Any]]]] = {
    "ReLU": lambda data: ((), {}),
    "Sigmoid": lambda data: ((), {}),
    "Tanh": lambda data: ((), {}),
    "LeakyReLU": lambda data: ((), {"negative_slope": data.draw(st.sampled_from([0.01, 0.2, -0.5, 1.5]))}),
    "ELU": lambda data: ((), {"alpha": data.draw(st.sampled_from([1.0, 0.5, 2.0]))}),
    "CELU": lambda data: ((), {"alpha": data.draw(st.sampled_from([1.0, 0.5, 2.0]))}),
    "SELU": lambda data: ((), {}),
    "GELU": lambda data: ((), {"approximate": data.draw(st.sampled_from(["none", "tanh"]))}),
    "SiLU": lambda data: ((), {}),
    "Mish": lambda data: ((), {}),
    "Softplus": lambda data: ((), {"beta": data.draw(st.sampled_from([1.0, 0.5, 3.0])), "threshold": 1.0}),
    "Hardtanh": lambda data: ((), {"min_val": -0.5, "max_val": data.draw(st.sampled_from([0.5, 2.0]))}),
    "ReLU6": lambda data: ((), {}),
    "Hardsigmoid": lambda data: ((), {}),
    "Hardswish": lambda data: ((), {}),
    "LogSigmoid": lambda data: ((), {}),
    "Softsign": lambda data: ((), {}),
    "Threshold": lambda data: ((data.draw(st.sampled_from([0.1, -0.5])), data.draw(st.sampled_from([0.0, 2.0]))), {}),
    "PReLU": lambda data: ((), {"num_parameters": data.draw(st.sampled_from([1, 2, 3])), "init": 0.1}),  # 3: error
    "Softmax": lambda data: ((), {"dim": data.draw(st.integers(-2, 1))}),
    "LogSoftmax": lambda data: ((), {"dim": data.draw(st.integers(-2, 1))}),
    "Softmin": lambda data: ((), {"dim": data.draw(st.integers(-2, 1))}),
}


def draw_activation(data: st.DataObject) -> Case:
    name = data.draw(st.sampled_from(sorted(ACTIVATIONS)), label="activation")
    args, kwargs = ACTIVATIONS[name](data)
    shape = (
        data.draw(st.integers(1, 3)),
        2,
        *(data.draw(st.integers(1, 3)) for _ in range(data.draw(st.integers(0, 2)))),
    )
    x = normal(data, shape) * 3  # (beyond Softplus's threshold and Hardtanh's bounds)
    if data.draw(st.booleans(), label="joins"):  # the points where a piecewise function changes formula
        x.flat[: min(x.size, 4)] = [-3.0, 3.0, 0.0, -0.5][: min(x.size, 4)]
    case = module_case(name, args, kwargs, x)
    if name == "Hardsigmoid":  # (torch's float64 backward multiplies by a float32 1/6: 5e-9 off)
        case.dtypes = ("float32",)
    return case


def draw_attention(data: st.DataObject) -> Case:
    heads = data.draw(st.integers(1, 3), label="num_heads")
    embed = heads * data.draw(st.integers(1, 2), label="head dim")
    kwargs: dict[str, Any] = {
        "bias": data.draw(st.booleans(), label="bias"),
        "add_bias_kv": data.draw(st.booleans(), label="add_bias_kv"),
        "add_zero_attn": data.draw(st.booleans(), label="add_zero_attn"),
        "batch_first": data.draw(st.booleans(), label="batch_first"),
    }
    if data.draw(st.booleans(), label="kdim, vdim"):
        kwargs["kdim"], kwargs["vdim"] = data.draw(st.integers(1, 3)), data.draw(st.integers(1, 3))
    kdim, vdim = kwargs.get("kdim", embed), kwargs.get("vdim", embed)
    n, tgt, src = data.draw(st.integers(1, 2)), data.draw(st.integers(1, 3)), data.draw(st.integers(1, 3))
    unbatched = data.draw(st.integers(0, 5), label="unbatched") == 0

    def layout(length: int, features: int) -> tuple[int, ...]:
        if unbatched:
            return (length, features)
        return (n, length, features) if kwargs["batch_first"] else (length, n, features)

    inputs = [(normal(data, layout(tgt, embed)), True), (normal(data, layout(src, kdim)), True)]
    inputs.append((normal(data, layout(src, vdim)), True))
    call_kwargs: dict[str, Any] = {
        "need_weights": data.draw(st.booleans(), label="need_weights"),
        "average_attn_weights": data.draw(st.booleans(), label="average_attn_weights"),
    }
    rng = np.random.default_rng(data.draw(st.integers(0, 2**16), label="mask seed"))
    kind = data.draw(st.sampled_from(["bool", "float"]), label="mask kind")  # (torch deprecates mixing kinds)
    key_padding = data.draw(st.sampled_from([None, kind]), label="key_padding_mask")
    if key_padding is not None:
        mask = rng.random(size=(src,) if unbatched else (n, src)) < 0.3
        mask[..., 0] = False  # (a query with every key masked is nan in torch: keep one)
        inputs.append((mask if kind == "bool" else np.where(mask, -np.inf, 0.0), False))
    attn = data.draw(st.sampled_from([None, kind, "3-d", "causal"]), label="attn_mask")
    if attn == "causal":  # is_causal=True with the causal mask it stands for (torch wants both)
        call_kwargs["is_causal"] = True
        causal = np.triu(np.ones((tgt, src), dtype=bool), 1)
        inputs.append((causal if kind == "bool" else np.where(causal, -np.inf, 0.0), False))
    if attn in (kind, "3-d"):
        shape = (tgt, src) if attn != "3-d" else ((1 if unbatched else n) * heads, tgt, src)
        mask = rng.random(size=shape) < 0.3
        mask[..., 0] = False
        inputs.append((mask if kind == "bool" else np.where(mask, -np.inf, rng.normal(size=shape)), False))

    def call(lib: Any, m: Any, t: list[Any]) -> Any:
        masks = iter(t[3:])
        given = dict(call_kwargs)
        if key_padding is not None:
            given["key_padding_mask"] = next(masks)
        if attn is not None:
            given["attn_mask"] = next(masks)
        return m(t[0], t[1], t[2], **given)

    text = f"nn.MultiheadAttention({embed}, {heads}, {kwargs_text(kwargs)})"
    return Case(
        config=f"{text}(q {inputs[0][0].shape}, k, v, {kwargs_text(call_kwargs)}, key_padding_mask={key_padding}, "
        f"attn_mask={attn})",
        build=lambda lib: lib.nn.MultiheadAttention(embed, heads, **kwargs),
        call=call,
        inputs=inputs,
    )


# (how often courses use it, how to draw it)
CASES: list[tuple[int, Callable[[st.DataObject], Case]]] = [
    (6, draw_conv),
    (3, draw_conv_transpose),
    (4, draw_max_pool),
    (3, draw_avg_pool),
    (2, draw_adaptive_pool),
    (4, draw_batch_norm),
    (2, draw_layer_norm),
    (2, draw_group_norm),
    (2, draw_embedding),
    (3, draw_interpolate),
    (2, draw_pad),
    (2, draw_regression_loss),
    (2, draw_binary_loss),
    (4, draw_class_loss),
    (1, draw_kl_div),
    (1, draw_other_loss),
    (1, draw_dropout),
    (3, draw_activation),
    (3, draw_attention),
]
WEIGHTED = [draw for weight, draw in CASES for _ in range(weight)]


@EXAMPLES
@given(data=st.data())
def test_random_layer_agrees_with_torch(data: st.DataObject) -> None:
    draw = data.draw(st.sampled_from(WEIGHTED), label="layer")
    case = draw(data)
    dtype = data.draw(st.sampled_from(case.dtypes), label="dtype")
    mixed = case.build is not None and len(case.dtypes) == 2  # (a row held to one dtype is held to it here too)
    mixed = mixed and data.draw(st.integers(0, 19), label="input of the other dtype") == 0
    input_dtype = {"float64": "float32", "float32": "float64"}[dtype] if mixed else dtype
    note(f"{case.config}, {dtype}" + (f", the input {input_dtype}" if mixed else ""))
    run_case(case, dtype, seed=data.draw(st.integers(0, 2**16), label="grad seed"), input_dtype=input_dtype)


# ---- what the random runs found, each fixed: one named row per disagreement ----------------------------


def functional_case(name: str, args: tuple, kwargs: dict[str, Any], x: np.ndarray, grad: bool = True) -> Case:
    """`lib.nn.functional.<name>(x, *args, **kwargs)`."""
    return Case(
        config=f"F.{name}(x, {', '.join(map(repr, args))}, {kwargs_text(kwargs)}) on {x.shape}",
        call=lambda lib, m, inputs: getattr(lib.nn.functional, name)(inputs[0], *args, **kwargs),
        inputs=[(x, grad)],
    )


_X = np.random.default_rng(7).normal


def causal_hint_with_extra_keys() -> Case:
    causal = np.triu(np.ones((3, 3), dtype=bool), 1)
    kwargs = {"add_bias_kv": True, "add_zero_attn": True}
    return Case(
        config=f"nn.MultiheadAttention(4, 2, {kwargs_text(kwargs)})(x, x, x, attn_mask=causal, is_causal=True)",
        build=lambda lib: lib.nn.MultiheadAttention(4, 2, **kwargs),
        call=lambda lib, m, t: m(t[0], t[0], t[0], attn_mask=t[1], is_causal=True, need_weights=False),
        inputs=[(_X(size=(3, 2, 4)), True), (causal, False)],
    )


def transposed_with_output_size(d: int, shape: tuple[int, ...], output_size: list[int], kwargs: dict[str, Any]) -> Case:
    """ConvTranspose{d}d(channels, 2, 2, **kwargs)(x, output_size=output_size)."""
    channels = shape[0] if len(shape) == d + 1 else shape[1]
    case = module_case(f"ConvTranspose{d}d", (channels, 2, 2), kwargs, _X(size=shape))
    case.call = lambda lib, m, inputs: m(inputs[0], output_size=output_size)
    return case


JOINS = np.array([-4.0, -3.0, -1.0, -0.5, 0.0, 0.5, 1.0, 3.0, 6.0, 7.0])  # where piecewise formulas meet
FOUND: list[tuple[str, Callable[[], Case]]] = [
    # an unbatched input (channels, *spatial), which PyTorch takes: we refused it
    ("Conv2d unbatched", lambda: module_case("Conv2d", (2, 3, 3), {"padding": 1}, _X(size=(2, 5, 5)))),
    (
        "Conv1d unbatched, reflect",
        lambda: module_case("Conv1d", (2, 2, 2), {"padding_mode": "reflect"}, _X(size=(2, 4))),
    ),
    ("ConvTranspose1d unbatched", lambda: module_case("ConvTranspose1d", (2, 3, 2), {"stride": 2}, _X(size=(2, 3)))),
    ("MaxPool1d unbatched, indices", lambda: module_case("MaxPool1d", (2,), {"return_indices": True}, _X(size=(2, 5)))),
    ("AvgPool2d unbatched", lambda: module_case("AvgPool2d", (2,), {"ceil_mode": True}, _X(size=(2, 5, 3)))),
    # padding='same' with a stride is refused by the constructor, whatever the padding_mode (we let 'circular' by)
    (
        "Conv1d same, stride 2, circular",
        lambda: module_case(
            "Conv1d", (2, 2, 3), {"padding": "same", "stride": 2, "padding_mode": "circular"}, _X(size=(1, 2, 5))
        ),
    ),
    # padding='valid' with a padding_mode pads nothing (we called F.pad with a (0, 0) for the wrong dim)
    (
        "Conv2d valid, reflect",
        lambda: module_case(
            "Conv2d", (2, 1, 2), {"padding": "valid", "padding_mode": "reflect"}, _X(size=(1, 2, 3, 4))
        ),
    ),
    # one value per group: PyTorch's ValueError (its normalised value is 0 whatever it is)
    ("GroupNorm one value per group", lambda: module_case("GroupNorm", (3, 3), {}, _X(size=(1, 3)))),
    # avg_pool3d (not 1d, 2d) refuses an input smaller than the kernel, even with padding that makes room
    (
        "AvgPool3d input below kernel",
        lambda: module_case("AvgPool3d", ((1, 1, 3),), {"padding": (0, 0, 1)}, _X(size=(1, 1, 4, 4, 2))),
    ),
    # max pooling's padding is at most half the kernel, not half the dilated span (we allowed the span's)
    (
        "MaxPool2d padding vs dilation",
        lambda: module_case("MaxPool2d", (3,), {"padding": (0, 2), "dilation": (1, 2)}, _X(size=(1, 2, 5, 6))),
    ),
    # the non-constant modes pad the last 1-3 dims of an input with 1 or 2 more dims: PyTorch refuses others
    (
        "F.pad reflect, 2 pads, 4-d",
        lambda: functional_case("pad", ((1, 1),), {"mode": "reflect"}, _X(size=(2, 2, 3, 3))),
    ),
    ("F.pad replicate, 1-d", lambda: functional_case("pad", ((1, 1),), {"mode": "replicate"}, _X(size=(3,)))),
    # constant padding cuts (negative pads) before it pads: cutting more than there is is an error
    ("F.pad cut beyond size", lambda: functional_case("pad", ((1, 1, -1, -1),), {"value": -1.5}, _X(size=(1, 1, 4)))),
    # 2-d nearest: output i copies input i // 2 when the output is twice the input (i when the same size),
    # whatever scale_factor says; 1-d and 3-d nearest take no such shortcut forward (forward only: their
    # backward takes it, see draw_interpolate)
    (
        "interpolate nearest x2.3 on 2",
        lambda: functional_case("interpolate", (), {"scale_factor": 2.3}, _X(size=(1, 1, 2, 3))),
    ),
    (
        "interpolate nearest x1.2 on 3",
        lambda: functional_case("interpolate", (), {"scale_factor": 1.2}, _X(size=(1, 1, 3, 2))),
    ),
    (
        "interpolate nearest 1-d x2.3",
        lambda: functional_case("interpolate", (), {"scale_factor": 2.3}, _X(size=(1, 1, 3)), grad=False),
    ),
    (
        "interpolate nearest 3-d",
        lambda: functional_case(
            "interpolate", (), {"scale_factor": (2.3, 1.2, 1)}, _X(size=(1, 1, 3, 3, 1)), grad=False
        ),
    ),
    # area (adaptive averaging) to an empty output: an empty result, not an error (forward only: torch's
    # backward refuses it)
    (
        "interpolate area to size 0",
        lambda: functional_case(
            "interpolate", (), {"scale_factor": 0.5, "mode": "area"}, _X(size=(1, 2, 1, 3)), grad=False
        ),
    ),
    # AvgPool2d/3d's divisor_override (we had none), and a zero one refused
    (
        "AvgPool2d divisor_override",
        lambda: module_case("AvgPool2d", (2,), {"padding": 1, "divisor_override": 3}, _X(size=(1, 2, 3, 4))),
    ),
    (
        "AvgPool3d divisor_override 0",
        lambda: module_case("AvgPool3d", (1,), {"divisor_override": 0}, _X(size=(1, 1, 2, 2, 2))),
    ),
    # BatchNorm with no weight and no running statistics normalises whatever channels it is given
    (
        "BatchNorm2d bare, other channels",
        lambda: module_case(
            "BatchNorm2d", (1,), {"affine": False, "track_running_stats": False}, _X(size=(2, 3, 2, 2))
        ),
    ),
    # output_size for an unbatched input may name its channel dim; it may exceed the smallest output by
    # stride - 1 only, whatever the dilation (we allowed dilation - 1)
    ("ConvTranspose1d output_size unbatched", lambda: transposed_with_output_size(1, (2, 3), [2, 7], {"stride": 2})),
    (
        "ConvTranspose2d output_size vs dilation",
        lambda: transposed_with_output_size(2, (1, 2, 3, 3), [4, 4], {"dilation": 2, "padding": 1}),
    ),
    # is_causal=True with need_weights=False and no key_padding_mask: PyTorch's causal mask over every key,
    # the bias_kv and zero_attn ones included (we applied the given mask and let every query see those)
    ("MultiheadAttention is_causal hint, bias_kv", causal_hint_with_extra_keys),
    # PyTorch's gradients where piecewise activations change formula (ours halved ties or used clamp's)
    *[
        (f"{name} at its joins", lambda name=name: module_case(name, (), {}, JOINS))
        for name in ["ELU", "CELU", "SELU", "ReLU6", "Hardtanh", "Hardswish"]
    ],
]


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("make", [make for _, make in FOUND], ids=[name for name, _ in FOUND])
def test_found_cases_agree_with_torch(make: Callable[[], Case], dtype: str) -> None:
    run_case(make(), dtype, seed=0)


@pytest.mark.parametrize("dtype", ["float64"])
def test_loss_weight_is_a_buffer(dtype: str) -> None:
    """nn.CrossEntropyLoss(weight=w): w is a buffer, in state_dict and converted by .double(), as PyTorch's."""
    weight = np.array([1.0, 2.0, 0.5])
    case = Case(
        config="nn.CrossEntropyLoss(weight=w)(x (2, 3), target [0, 2])",
        build=lambda lib: lib.nn.CrossEntropyLoss(weight=lib.tensor(weight, dtype=lib.float32)),
        call=lambda lib, m, t: m(t[0], t[1]),
        inputs=[(_X(size=(2, 3)), True), (np.array([0, 2]), False)],
    )
    run_case(case, dtype, seed=0)


# a float64 input to a float32 layer (and the other way): PyTorch's kernels refuse the mix, where we promoted
MIXED = [
    ("Conv2d", (2, 2, 3), (1, 2, 4, 4)),
    ("ConvTranspose1d", (2, 2, 3), (1, 2, 4)),
    ("BatchNorm2d", (2,), (2, 2, 3, 3)),
    ("LayerNorm", (3,), (2, 3)),
    ("GroupNorm", (2, 4), (2, 4, 3)),
    ("PReLU", (), (2, 3)),
]


@pytest.mark.parametrize("dtype, input_dtype", [("float32", "float64"), ("float64", "float32")])
@pytest.mark.parametrize("name, args, shape", MIXED, ids=[row[0] for row in MIXED])
def test_mixed_dtypes_agree_with_torch(name: str, args: tuple, shape: tuple, dtype: str, input_dtype: str) -> None:
    run_case(module_case(name, args, {}, _X(size=shape)), dtype, seed=0, input_dtype=input_dtype)
