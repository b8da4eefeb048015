"""tinygrad_edu.nn: define networks PyTorch-style, from Modules holding Parameters, layers, activations and losses.

- `module.py`: Module, Parameter; `container.py`: Sequential, ModuleList
- `linear.py`: Linear, Identity, Flatten, Unflatten; `lazy.py`: LazyLinear (in_features read from its first input)
- `activation.py`: Sigmoid, ReLU, LeakyReLU, Softplus, Tanh, Softmax, LogSoftmax; `activation_extra.py`: GELU (tanh),
  SiLU, ELU, CELU, SELU, ..., PReLU
- `conv.py`: Conv1d/2d/3d, MaxPool1d/2d/3d, AvgPool1d/2d/3d; `adaptive_pool.py`: AdaptiveAvgPool1d/2d/3d,
  AdaptiveMaxPool1d/2d/3d; `conv_transpose.py`: ConvTranspose1d/2d/3d; `upsample.py`: Upsample (interpolate);
  `dropout.py`: Dropout, Dropout1d/2d
- `normalization.py`: LayerNorm, BatchNorm1d/2d/3d, GroupNorm; `sparse.py`: Embedding
- `attention.py`: MultiheadAttention, TransformerEncoderLayer, TransformerEncoder (and F.scaled_dot_product_attention)
- `transformer.py`: TransformerDecoderLayer, TransformerDecoder, Transformer
- `rnn.py`: RNN, LSTM, GRU, RNNCell, LSTMCell, GRUCell; `rnn_utils.py` (`nn.utils.rnn`): pad_sequence, PackedSequence
- `keyed_container.py`: ModuleDict, ParameterList, ParameterDict
- `loss.py`: the losses as modules (`loss_composite.py`: the functional forms of the newer ones)
- `functional.py` (`nn.functional`, usually imported as F): the same as functions
- `init.py` (`nn.init`): PyTorch's initialisations, and the tutorials' draws
- `utils.py` (`nn.utils`): gradient clipping, parameters to and from one vector
- more of torch.nn, each file its functions beside its modules: `distance.py` (CosineSimilarity, PairwiseDistance,
  F.normalize, F.pdist), `padding_modules.py` (ZeroPad, ConstantPad, ReflectionPad, ReplicationPad, CircularPad 1d-3d),
  `activation_more.py` (GLU, the shrinks, Softmax2d, RReLU, F.gumbel_softmax, F.relu_ & co.), `shuffle.py`
  (PixelShuffle, PixelUnshuffle, ChannelShuffle), `normalization_extra.py` (InstanceNorm1d/2d/3d, RMSNorm,
  LocalResponseNorm), `fold.py` (Unfold, Fold), `pooling_extra.py` (MaxUnpool1d/2d, LPPool1d/2d), `dropout_extra.py`
  (Dropout3d, AlphaDropout, FeatureAlphaDropout), `bilinear.py` (Bilinear), `loss_margin.py` (the margin losses)

Example:
    >>> from tinygrad_edu import nn
    >>> net = nn.Sequential(nn.Linear(2, 4), nn.Sigmoid(), nn.Linear(4, 1), nn.Sigmoid())
    >>> loss = nn.BCELoss()(net(tg.tensor([[0.0, 1.0]])), tg.tensor([[1.0]]))
"""

from tinygrad_edu.nn import functional, init, utils
from tinygrad_edu.nn.activation import LeakyReLU, LogSoftmax, ReLU, Sigmoid, Softmax, Softplus, Tanh
from tinygrad_edu.nn.activation_extra import (
    CELU,
    ELU,
    GELU,
    SELU,
    Hardsigmoid,
    Hardswish,
    Hardtanh,
    LogSigmoid,
    Mish,
    PReLU,
    ReLU6,
    SiLU,
    Softmin,
    Softsign,
    Threshold,
)
from tinygrad_edu.nn.activation_more import GLU, Hardshrink, RReLU, Softmax2d, Softshrink, Tanhshrink
from tinygrad_edu.nn.adaptive_pool import (
    AdaptiveAvgPool1d,
    AdaptiveAvgPool2d,
    AdaptiveAvgPool3d,
    AdaptiveMaxPool1d,
    AdaptiveMaxPool2d,
    AdaptiveMaxPool3d,
)
from tinygrad_edu.nn.attention import MultiheadAttention, TransformerEncoder, TransformerEncoderLayer
from tinygrad_edu.nn.bilinear import Bilinear
from tinygrad_edu.nn.container import ModuleList, Sequential
from tinygrad_edu.nn.conv import (
    AvgPool1d,
    AvgPool2d,
    AvgPool3d,
    Conv1d,
    Conv2d,
    Conv3d,
    MaxPool1d,
    MaxPool2d,
    MaxPool3d,
)
from tinygrad_edu.nn.conv_transpose import ConvTranspose1d, ConvTranspose2d, ConvTranspose3d
from tinygrad_edu.nn.distance import CosineSimilarity, PairwiseDistance
from tinygrad_edu.nn.dropout import Dropout, Dropout1d, Dropout2d
from tinygrad_edu.nn.dropout_extra import AlphaDropout, Dropout3d, FeatureAlphaDropout
from tinygrad_edu.nn.fold import Fold, Unfold
from tinygrad_edu.nn.keyed_container import ModuleDict, ParameterDict, ParameterList
from tinygrad_edu.nn.lazy import LazyLinear, UninitializedParameter
from tinygrad_edu.nn.linear import Flatten, Identity, Linear, Unflatten
from tinygrad_edu.nn.loss import (
    BCELoss,
    BCEWithLogitsLoss,
    CosineEmbeddingLoss,
    CrossEntropyLoss,
    GaussianNLLLoss,
    HuberLoss,
    KLDivLoss,
    L1Loss,
    MarginRankingLoss,
    MSELoss,
    MultiLabelSoftMarginLoss,
    NLLLoss,
    PoissonNLLLoss,
    SmoothL1Loss,
)
from tinygrad_edu.nn.loss_margin import (
    HingeEmbeddingLoss,
    MultiLabelMarginLoss,
    MultiMarginLoss,
    SoftMarginLoss,
    TripletMarginLoss,
    TripletMarginWithDistanceLoss,
)
from tinygrad_edu.nn.module import Module, Parameter
from tinygrad_edu.nn.normalization import BatchNorm1d, BatchNorm2d, BatchNorm3d, GroupNorm, LayerNorm
from tinygrad_edu.nn.normalization_extra import (
    InstanceNorm1d,
    InstanceNorm2d,
    InstanceNorm3d,
    LocalResponseNorm,
    RMSNorm,
)
from tinygrad_edu.nn.padding_modules import (
    CircularPad1d,
    CircularPad2d,
    CircularPad3d,
    ConstantPad1d,
    ConstantPad2d,
    ConstantPad3d,
    ReflectionPad1d,
    ReflectionPad2d,
    ReflectionPad3d,
    ReplicationPad1d,
    ReplicationPad2d,
    ReplicationPad3d,
    ZeroPad1d,
    ZeroPad2d,
    ZeroPad3d,
)
from tinygrad_edu.nn.pooling_extra import LPPool1d, LPPool2d, MaxUnpool1d, MaxUnpool2d
from tinygrad_edu.nn.rnn import GRU, LSTM, RNN, GRUCell, LSTMCell, RNNBase, RNNCell, RNNCellBase
from tinygrad_edu.nn.shuffle import ChannelShuffle, PixelShuffle, PixelUnshuffle
from tinygrad_edu.nn.sparse import Embedding
from tinygrad_edu.nn.transformer import Transformer, TransformerDecoder, TransformerDecoderLayer
from tinygrad_edu.nn.upsample import Upsample, UpsamplingBilinear2d, UpsamplingNearest2d
from tinygrad_edu.torch_alias import torch_attribute_error

# A missing name is an AttributeError that names the torch name we lack (as_torch maps torch's modules here).
__getattr__ = torch_attribute_error(__name__)

__all__ = [
    "Module",
    "Parameter",
    "Sequential",
    "ModuleList",
    "ModuleDict",
    "ParameterList",
    "ParameterDict",
    "Linear",
    "LazyLinear",
    "UninitializedParameter",
    "Identity",
    "Flatten",
    "Unflatten",
    "Embedding",
    "Dropout",
    "Dropout1d",
    "Dropout2d",
    "LayerNorm",
    "GroupNorm",
    "BatchNorm1d",
    "BatchNorm2d",
    "BatchNorm3d",
    "Conv1d",
    "Conv2d",
    "Conv3d",
    "MaxPool1d",
    "MaxPool2d",
    "MaxPool3d",
    "AvgPool1d",
    "AvgPool2d",
    "AvgPool3d",
    "AdaptiveAvgPool1d",
    "AdaptiveAvgPool2d",
    "AdaptiveAvgPool3d",
    "AdaptiveMaxPool1d",
    "AdaptiveMaxPool2d",
    "AdaptiveMaxPool3d",
    "ConvTranspose1d",
    "ConvTranspose2d",
    "ConvTranspose3d",
    "Upsample",
    "UpsamplingNearest2d",
    "UpsamplingBilinear2d",
    "MultiheadAttention",
    "TransformerEncoderLayer",
    "TransformerEncoder",
    "TransformerDecoderLayer",
    "TransformerDecoder",
    "Transformer",
    "RNNBase",
    "RNN",
    "LSTM",
    "GRU",
    "RNNCellBase",
    "RNNCell",
    "LSTMCell",
    "GRUCell",
    "Sigmoid",
    "ReLU",
    "LeakyReLU",
    "Softplus",
    "Tanh",
    "Softmax",
    "LogSoftmax",
    "GELU",
    "SiLU",
    "ELU",
    "CELU",
    "SELU",
    "Softsign",
    "Hardtanh",
    "ReLU6",
    "Hardsigmoid",
    "Hardswish",
    "Mish",
    "LogSigmoid",
    "Softmin",
    "Threshold",
    "PReLU",
    "MSELoss",
    "L1Loss",
    "BCELoss",
    "BCEWithLogitsLoss",
    "CrossEntropyLoss",
    "NLLLoss",
    "SmoothL1Loss",
    "HuberLoss",
    "KLDivLoss",
    "MarginRankingLoss",
    "CosineEmbeddingLoss",
    "MultiLabelSoftMarginLoss",
    "GaussianNLLLoss",
    "PoissonNLLLoss",
    "functional",
    "init",
    "utils",
]
__all__ += ["CosineSimilarity", "PairwiseDistance"]
__all__ += ["GLU", "Softshrink", "Hardshrink", "Tanhshrink", "Softmax2d", "RReLU"]
__all__ += ["ZeroPad1d", "ZeroPad2d", "ZeroPad3d", "ConstantPad1d", "ConstantPad2d", "ConstantPad3d"]
__all__ += ["ReflectionPad1d", "ReflectionPad2d", "ReflectionPad3d", "ReplicationPad1d", "ReplicationPad2d"]
__all__ += ["ReplicationPad3d", "CircularPad1d", "CircularPad2d", "CircularPad3d"]
__all__ += ["PixelShuffle", "PixelUnshuffle", "ChannelShuffle"]
__all__ += ["InstanceNorm1d", "InstanceNorm2d", "InstanceNorm3d", "RMSNorm", "LocalResponseNorm"]
__all__ += ["Unfold", "Fold", "MaxUnpool1d", "MaxUnpool2d", "LPPool1d", "LPPool2d"]
__all__ += ["AlphaDropout", "FeatureAlphaDropout", "Dropout3d", "Bilinear"]
__all__ += ["HingeEmbeddingLoss", "SoftMarginLoss", "MultiMarginLoss", "MultiLabelMarginLoss"]
__all__ += ["TripletMarginLoss", "TripletMarginWithDistanceLoss"]
