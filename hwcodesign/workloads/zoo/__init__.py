"""The model zoo: registered network factories and `get_workload`.

Examples
--------
>>> from hwcodesign.workloads import WORKLOADS, get_workload
>>> "resnet50" in WORKLOADS
True
>>> get_workload("tiny", batch=2)
get_workload('tiny', batch=2, precision='int8')
>>> get_workload("resnt50")
Traceback (most recent call last):
...
hwcodesign.core.errors.UnknownNameError: Unknown workload 'resnt50'. Did you mean 'resnet50' or 'fcn_resnet50' or 'resnet18'? Known: alexnet, amoebanet_a, bert_base, darts, deeplabv3_resnet50, densenet121, efficientnet_b0, fcn_resnet50, gpt2, mobilenet_v1, mobilenet_v2, mobilenet_v3_large, nasnet_a_mobile, nb201, nb201_random, resnet18, resnet50, resnext50_32x4d, tiny, transformer_encoder, vgg16, vit_b16, yolov3_tiny.
"""

from __future__ import annotations

from typing import Any

from hwcodesign.workloads.workload import Workload
from hwcodesign.workloads.zoo import (  # noqa: F401 (registers)
    classic,
    darts,
    dense,
    mobile,
    nasnet,
    nb201,
    segmentation,
    tiny,
    transformers,
    yolo,
)
from hwcodesign.workloads.zoo._registry import WORKLOADS
from hwcodesign.workloads.zoo.nb201 import NB201_BEST_CIFAR10, NB201_OPS, parse_nb201
from hwcodesign.workloads.zoo.transformers import attention_block, encoder_layer

__all__ = ["WORKLOADS", "get_workload", "attention_block", "encoder_layer", "NB201_OPS", "NB201_BEST_CIFAR10",
           "parse_nb201"]


def get_workload(name: str, **kwargs: Any) -> Workload:
    """Build the registered network ``name`` (``batch=``, ``precision=`` and network options as keywords)."""
    return WORKLOADS.get(name)(**kwargs)
