"""The GPU engine: datasheet roofline with tile and wave quantization, launch and framework overhead.

==========  ==================================================================
module      what it holds
==========  ==================================================================
`params`    `GPUModelParams`, the few fitted efficiencies and overheads
`kernels`   vectorised kernel models (GEMM, conv, direct conv, memory-bound)
`model`     `predict_gemm`, `predict_conv`, `predict_network`
`calibrate` `fit_params`: scipy least squares on log error
==========  ==================================================================
"""

from hwcodesign.simulator.gpu.model import (
    GPUPrediction,
    network_kernels,
    predict_conv,
    predict_gemm,
    predict_network,
)
from hwcodesign.simulator.gpu.params import DEFAULT_PARAMS, GPUModelParams

__all__ = ["GPUModelParams", "DEFAULT_PARAMS", "GPUPrediction", "predict_gemm", "predict_conv", "predict_network",
           "network_kernels"]
