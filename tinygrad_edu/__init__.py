"""tinygrad_edu: a small, fast, exact reverse-mode autograd over NumPy, with a PyTorch-style API.

>>> import tinygrad_edu as tg
>>> x = tg.tensor([1.0, 2.0, 3.0], requires_grad=True)
>>> (x ** 2).sum().backward()
>>> x.grad
tensor([2., 4., 6.], dtype=float32)
"""

import numpy as _np

from tinygrad_edu import backends as backends  # (torch.backends.mps.is_available() is False: the CPU only)
from tinygrad_edu import cuda as cuda  # (tg.cuda.is_available() is False: no GPU, as torch.cuda without CUDA)
from tinygrad_edu import functional as _functional
from tinygrad_edu import functional_linalg as _functional_linalg
from tinygrad_edu import functional_surface as _functional_surface
from tinygrad_edu import functional_surface3 as _functional_surface3
from tinygrad_edu import (  # noqa: E402  (they build on everything above)
    linalg,  # noqa: E402  (tg.linalg, as torch.linalg)
    nn,
    optim,
    utils,  # noqa: E402  (tg.utils.data, as torch.utils.data)
)
from tinygrad_edu.autograd import (
    Function,
    enable_grad,
    inference_mode,
    is_grad_enabled,
    no_grad,
    set_grad_enabled,
    unbroadcast,
)
from tinygrad_edu.autograd import function as _autograd_function  # noqa: E402, F401  (tg.autograd.function)
from tinygrad_edu.autograd import functional as _autograd_functional  # noqa: E402, F401  (tg.autograd.functional)
from tinygrad_edu.compiler import compile  # noqa: A004, E402  (tg.compile, as torch.compile)
from tinygrad_edu.creation import (  # issue 13: torch's Generator and the rest of its random functions
    Generator,
    arange,
    bernoulli,
    default_generator,
    empty,
    empty_like,
    eye,
    full,
    full_like,
    get_rng_state,
    initial_seed,
    linspace,
    logspace,
    manual_seed,
    multinomial,
    normal,
    ones,
    ones_like,
    rand,
    rand_like,
    randint,
    randint_like,
    randn,
    randn_like,
    randperm,
    seed,
    set_rng_state,
    zeros,
    zeros_like,
)
from tinygrad_edu.debug import (
    AnomalyError,
    BadBackward,
    GradReport,
    check_grads,
    detect_anomaly,
    is_anomaly_enabled,
    locate_bad_backward,
)
from tinygrad_edu.device import device  # noqa: E402
from tinygrad_edu.errors import ArgumentError, DtypeError, SerializationError, ShapeError
from tinygrad_edu.functional import *  # noqa: F403  (tg.exp, tg.cat, ...: the list is its __all__)
from tinygrad_edu.functional_linalg import *  # noqa: F403  (tg.inverse, tg.det, tg.svd, ...: its __all__)
from tinygrad_edu.functional_surface import *  # noqa: F403  (tg.sin, tg.cumsum, ...: the list is its __all__)
from tinygrad_edu.functional_surface3 import *  # noqa: F403  (tg.quantile, tg.searchsorted, ...: its __all__)
from tinygrad_edu.gradcheck import GradcheckError, gradcheck, gradgradcheck
from tinygrad_edu.graph import draw_graph
from tinygrad_edu.printing import set_printoptions
from tinygrad_edu.serialization import load, save
from tinygrad_edu.tensor import Tensor, from_numpy, get_default_dtype, result_type, set_default_dtype, tensor  # noqa: I001  (Tensor first: the rest build on it)
from tinygrad_edu.tensor_shape import Size
from tinygrad_edu.torch_alias import as_torch
from tinygrad_edu.torch_alias import torch_attribute_error as _torch_attribute_error

__version__ = "0.1.0"

# `tg.as_torch()` makes `import torch` give these modules; a name we lack says which torch name is missing.
__getattr__ = _torch_attribute_error(__name__)

# dtypes under PyTorch's names
float16 = half = _np.float16
float32 = float = _np.float32  # noqa: A001  (tg.float, as torch.float)
float64 = double = _np.float64
int8 = _np.int8
uint8 = _np.uint8
int16 = short = _np.int16
int32 = int = _np.int32  # noqa: A001  (tg.int, as torch.int)
int64 = long = _np.int64
bool = _np.bool_  # noqa: A001  (tg.bool, as torch.bool)

# PyTorch's constants (torch.pi, torch.inf, ...): Python floats, as there
pi, e, inf, nan = _np.pi, _np.e, _np.inf, _np.nan

__all__ = [
    "Tensor",
    "Size",
    "tensor",
    "from_numpy",
    "get_default_dtype",
    "set_default_dtype",
    "result_type",
    "Function",
    "no_grad",
    "inference_mode",
    "enable_grad",
    "set_grad_enabled",
    "is_grad_enabled",
    "unbroadcast",
    "arange",
    "default_generator",
    "empty",
    "eye",
    "full",
    "full_like",
    "linspace",
    "manual_seed",
    "ones",
    "ones_like",
    "rand",
    "rand_like",
    "randn",
    "randn_like",
    "zeros",
    "zeros_like",
    "Generator",
    "bernoulli",
    "empty_like",
    "get_rng_state",
    "initial_seed",
    "logspace",
    "multinomial",
    "normal",
    "randint",
    "randint_like",
    "randperm",
    "seed",
    "set_rng_state",
    "ShapeError",
    "DtypeError",
    "ArgumentError",
    "SerializationError",
    "GradcheckError",
    "gradcheck",
    "gradgradcheck",
    "AnomalyError",
    "BadBackward",
    "GradReport",
    "check_grads",
    "detect_anomaly",
    "is_anomaly_enabled",
    "locate_bad_backward",
    "nn",
    "optim",
    "utils",
    "save",
    "load",
    "draw_graph",
    "set_printoptions",
    "compile",
    *_functional.__all__,
    "as_torch",
    "linalg",
    "cuda",
    "backends",
    "device",
    *_functional_surface.__all__,
    "float16",
    "float32",
    "float64",
    "int8",
    "uint8",
    "int16",
    "int32",
    "int64",
    "half",
    "double",
    "short",
    "long",
    *_functional_surface3.__all__,
    *_functional_linalg.__all__,
]

# torch.special (special.py: tg.special.gammaln, ...), and the names PyTorch also gives some of its functions at the
# top level (torch.lgamma is torch.special.gammaln)
from tinygrad_edu import special  # noqa: E402
from tinygrad_edu.special import digamma, erfinv, i0, polygamma, sinc  # noqa: E402
from tinygrad_edu.special import gammainc as igamma  # noqa: E402
from tinygrad_edu.special import gammaincc as igammac  # noqa: E402
from tinygrad_edu.special import gammaln as lgamma  # noqa: E402
from tinygrad_edu.special import multigammaln as mvlgamma  # noqa: E402

__all__ += ["special", "lgamma", "digamma", "polygamma", "mvlgamma", "erfinv", "i0", "sinc", "igamma", "igammac"]

# torch's remaining top-level functions (functional_top.py, functional_top_ops.py, functional_top_aliases.py) and
# torch.func / torch.vmap (func.py); torch.range by name only, so `from tinygrad_edu import *` keeps Python's range
from tinygrad_edu import func  # noqa: E402
from tinygrad_edu import functional_top as _functional_top  # noqa: E402
from tinygrad_edu import functional_top_aliases as _functional_top_aliases  # noqa: E402
from tinygrad_edu import functional_top_ops as _functional_top_ops  # noqa: E402
from tinygrad_edu.func import vmap  # noqa: E402
from tinygrad_edu.functional_top import *  # noqa: E402, F403
from tinygrad_edu.functional_top import range as range  # noqa: A004, E402  (tg.range; see above)
from tinygrad_edu.functional_top_aliases import *  # noqa: E402, F403
from tinygrad_edu.functional_top_ops import *  # noqa: E402, F403

__all__ += [
    "func",
    "vmap",
    *_functional_top.__all__,
    *_functional_top_ops.__all__,
    *_functional_top_aliases.__all__,
]

# the names PyTorch also gives some nn.functional functions at the top level (torch.cosine_similarity, ...)
from tinygrad_edu import functional_nn as _functional_nn  # noqa: E402
from tinygrad_edu.functional_nn import *  # noqa: E402, F403  (tg.cosine_similarity, tg.pdist, ...: its __all__)

__all__ += [*_functional_nn.__all__]

# torch.FloatTensor, torch.LongTensor, ...: PyTorch's legacy constructors of one dtype each (torch_tensor.py)
from tinygrad_edu.torch_tensor import (  # noqa: E402
    BoolTensor,
    ByteTensor,
    CharTensor,
    DoubleTensor,
    FloatTensor,
    HalfTensor,
    IntTensor,
    LongTensor,
    ShortTensor,
)

__all__ += [
    "BoolTensor",
    "ByteTensor",
    "CharTensor",
    "DoubleTensor",
    "FloatTensor",
    "HalfTensor",
    "IntTensor",
    "LongTensor",
    "ShortTensor",
]

# torch.finfo and torch.iinfo (dtypes.py)
from tinygrad_edu.dtypes import finfo, iinfo  # noqa: E402

__all__ += ["finfo", "iinfo"]

# torch.distributions: Categorical, Bernoulli, Normal, Uniform, kl_divergence (distributions.py)
from tinygrad_edu import distributions  # noqa: E402

__all__ += ["distributions"]
