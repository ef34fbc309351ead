"""DARTS (Liu et al., ICLR 2019): the second-order ("V2") cell, as the authors' ``cnn/model.py``.

A cell reads the previous two cells' outputs through 1x1 ReLU-conv-BN preprocessing
(a factorized reduction when the previous-but-one output is at twice the resolution),
builds four nodes, each the sum of two ops on earlier states, and concatenates the four
(not an operator: consumers read all four; see `Feature`). Reduction cells (at 1/3 and
2/3 of the depth) double the channels and stride the ops that read the cell inputs.

``dataset='cifar10'``: 20 cells, 36 initial channels, a 3x3 stem of 108 channels,
32 x 32 input. ``dataset='imagenet'``: the mobile setting, 14 cells, 48 initial
channels, the three-conv stride-8 stem, 224 x 224 input. The auxiliary head (training
only) and drop-path are omitted.
"""

from __future__ import annotations

from typing import Literal

from hwcodesign.core.errors import ConfigError
from hwcodesign.workloads.workload import Workload
from hwcodesign.workloads.zoo._builder import Feature, Net
from hwcodesign.workloads.zoo._registry import WORKLOADS

__all__ = ["DARTS_V2", "darts"]

#: The DARTS V2 genotype (``cnn/genotypes.py``): (op, input state) pairs of the normal and
#: reduction cells; both concatenate states 2-5.
DARTS_V2 = {
    "normal": (("sep_conv_3x3", 0), ("sep_conv_3x3", 1), ("sep_conv_3x3", 0), ("sep_conv_3x3", 1),
               ("sep_conv_3x3", 1), ("skip_connect", 0), ("skip_connect", 0), ("dil_conv_3x3", 2)),
    "reduce": (("max_pool_3x3", 0), ("max_pool_3x3", 1), ("skip_connect", 2), ("max_pool_3x3", 1),
               ("max_pool_3x3", 0), ("skip_connect", 2), ("skip_connect", 2), ("max_pool_3x3", 1)),
}

_SETTINGS = {"cifar10": (36, 20, 32, 10), "imagenet": (48, 14, 224, 1000)}


def _relu_conv_bn(net: Net, x: Feature, out: int, prefix: str) -> Feature:
    return net.bn(net.conv(net.act(x, "relu"), out, 1, name=f"{prefix}_conv"))


def _factorized_reduce(net: Net, x: Feature, out: int, prefix: str) -> Feature:
    """ReLU, two 1x1 stride-2 convs of ``out // 2`` (the second on ``x[:, :, 1:, 1:]``), concat, BN.

    The shifted slice changes which pixels are read, not the output size or the MACs
    (for the even map sizes of both settings), so both convs read the ReLU's output whole.
    """
    y = net.act(x, "relu")
    a = net.conv(y, out // 2, 1, stride=2, name=f"{prefix}_conv1")
    b = net.conv(y, out // 2, 1, stride=2, name=f"{prefix}_conv2")
    return net.bn(net.concat(a, b), name=f"{prefix}_bn")


def _op(net: Net, x: Feature, op: str, stride: int, prefix: str) -> Feature:
    if op == "sep_conv_3x3":  # SepConv: [ReLU, depthwise, 1x1, BN] twice, stride on the first
        for i in (1, 2):
            x = net.bn(net.separable(net.act(x, "relu"), x.c, 3, stride=stride if i == 1 else 1,
                                     name=f"{prefix}_sep{i}"))
        return x
    if op == "dil_conv_3x3":  # DilConv: ReLU, depthwise 3x3 dilation 2, 1x1, BN
        return net.bn(net.separable(net.act(x, "relu"), x.c, 3, stride=stride, dilation=2, name=prefix))
    if op == "max_pool_3x3":
        return net.pool(x, "max", 3, stride, 1)
    return x if stride == 1 else _factorized_reduce(net, x, x.c, prefix)  # skip_connect


def _cell(net: Net, s0: Feature, s1: Feature, channels: int, reduction: bool, reduction_prev: bool,
          prefix: str) -> Feature:
    if reduction_prev:
        s0 = _factorized_reduce(net, s0, channels, f"{prefix}_pre0")
    else:
        s0 = _relu_conv_bn(net, s0, channels, f"{prefix}_pre0")
    states = [s0, _relu_conv_bn(net, s1, channels, f"{prefix}_pre1")]
    genotype = DARTS_V2["reduce" if reduction else "normal"]
    for node in range(4):
        terms = []
        for side in (0, 1):
            op, index = genotype[2 * node + side]
            stride = 2 if reduction and index < 2 else 1
            terms.append(_op(net, states[index], op, stride, f"{prefix}_n{node + 2}_{side}"))
        states.append(net.add(*terms, name=f"{prefix}_n{node + 2}"))
    return net.concat(*states[2:])


@WORKLOADS.register("darts")
def darts(*, batch: int = 1, precision: str = "int8", dataset: Literal["cifar10", "imagenet"] = "cifar10") -> Workload:
    """The DARTS V2 network for ``dataset`` (CIFAR-10: 20 cells, C=36; ImageNet mobile: 14 cells, C=48).

    Examples
    --------
    >>> darts().params  # the authors' log: "param size = 3.349342MB" (auxiliary head excluded)
    3349342
    >>> w = darts(dataset="imagenet")  # the paper: 4.7M params, 574M multiply-adds (see docs/workloads.md)
    >>> w.params, round(w.macs / 1e6)
    (4718752, 530)
    """
    if dataset not in _SETTINGS:
        raise ConfigError(f"The 'dataset' of darts must be one of {', '.join(map(repr, _SETTINGS))}. Got {dataset!r}.")
    c, layers, size, classes = _SETTINGS[dataset]
    net = Net("darts", batch=batch, precision=precision)
    x = net.input(3, size, size)
    if dataset == "cifar10":
        s0 = s1 = net.bn(net.conv(x, 3 * c, 3, name="stem_conv"))
        reduction_prev = False
    else:
        s0 = net.conv_bn(x, c // 2, 3, stride=2, name="stem0_conv1")
        s0 = net.bn(net.conv(s0, c, 3, stride=2, name="stem0_conv2"))
        s1 = net.bn(net.conv(net.act(s0, "relu"), c, 3, stride=2, name="stem1_conv"))
        reduction_prev = True
    channels = c
    for i in range(layers):
        reduction = i in (layers // 3, 2 * layers // 3)
        channels *= 2 if reduction else 1
        s0, s1 = s1, _cell(net, s0, s1, channels, reduction, reduction_prev, f"cell{i}")
        reduction_prev = reduction
    x = net.global_pool(s1)
    net.linear(x, classes, name="classifier")
    return net.done("darts", dataset=dataset)
