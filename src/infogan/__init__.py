"""InfoGAN: interpretable representation learning by information maximizing GANs (Chen et al., 2016)."""

from .codes import Angle, Categorical, LatentSpec, Uniform
from .config import TrainConfig
from .data import load_dataset
from .metrics import categorical_accuracy, evaluate, factor_code_table
from .model import InfoGAN
from .train import train

__version__ = "0.1.0"
__all__ = [
    "Categorical", "Uniform", "Angle", "LatentSpec", "TrainConfig", "InfoGAN", "train", "evaluate", "categorical_accuracy",
    "factor_code_table", "load_dataset",
]
