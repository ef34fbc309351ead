"""Mobile networks: MobileNet v1/v2/v3-Large and EfficientNet-B0 (ImageNet, 224 x 224).

v2, v3 and EfficientNet follow torchvision's definitions; v1 follows the paper's Table 1
(torchvision has none). BatchNorm is a separate operator (its scale and shift are
counted as parameters, as torchvision does); dropout and stochastic depth are omitted.
"""

from __future__ import annotations

from hwcodesign.workloads.workload import Workload
from hwcodesign.workloads.zoo._builder import Feature, Net, make_divisible
from hwcodesign.workloads.zoo._registry import WORKLOADS

__all__ = ["mobilenet_v1", "mobilenet_v2", "mobilenet_v3_large", "efficientnet_b0"]


@WORKLOADS.register("mobilenet_v1")
def mobilenet_v1(*, batch: int = 1, precision: str = "int8") -> Workload:
    """MobileNet v1 1.0-224 (Howard et al. 2017, Table 1): 13 depthwise-separable blocks.

    Examples
    --------
    >>> round(mobilenet_v1().macs / 1e6)
    569
    """
    net = Net("mobilenet_v1", batch=batch, precision=precision)
    x = net.conv_bn(net.input(3, 224, 224), 32, 3, stride=2, name="conv1")
    plan = ((64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2)) + ((512, 1),) * 5 + ((1024, 2), (1024, 1))
    for i, (out, stride) in enumerate(plan, start=2):
        x = net.conv_bn(x, x.c, 3, stride=stride, groups=x.c, name=f"conv{i}_dw")
        x = net.conv_bn(x, out, 1, name=f"conv{i}_pw")
    x = net.global_pool(x)
    net.linear(x, 1000, name="fc")
    return net.done("mobilenet_v1")


def _inverted_residual(net: Net, x: Feature, *, expand: int, out: int, k: int, stride: int, act: str,
                       se: int | None, se_act: str = "relu", se_gate: str = "sigmoid", prefix: str) -> Feature:
    y = net.conv_bn(x, expand, 1, act=act, name=f"{prefix}_expand") if expand != x.c else x
    y = net.conv_bn(y, expand, k, stride=stride, groups=expand, act=act, name=f"{prefix}_dw")
    if se is not None:
        y = net.squeeze_excite(y, se, act=se_act, gate=se_gate)
    y = net.conv_bn(y, out, 1, act=None, name=f"{prefix}_project")
    return net.add(y, x) if stride == 1 and x.c == out else y


@WORKLOADS.register("mobilenet_v2")
def mobilenet_v2(*, batch: int = 1, precision: str = "int8") -> Workload:
    """MobileNetV2 1.0 (Sandler et al. 2018), as torchvision's ``mobilenet_v2``.

    Examples
    --------
    >>> mobilenet_v2().params
    3504872
    """
    net = Net("mobilenet_v2", batch=batch, precision=precision)
    x = net.conv_bn(net.input(3, 224, 224), 32, 3, stride=2, act="relu6", name="stem")
    block = 0
    for t, c, n, s in ((1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1),
                       (6, 160, 3, 2), (6, 320, 1, 1)):
        for i in range(n):
            block += 1
            x = _inverted_residual(net, x, expand=x.c * t, out=c, k=3, stride=s if i == 0 else 1, act="relu6",
                                   se=None, prefix=f"block{block}")
    x = net.conv_bn(x, 1280, 1, act="relu6", name="head")
    x = net.global_pool(x)
    net.linear(x, 1000, name="fc")
    return net.done("mobilenet_v2")


@WORKLOADS.register("mobilenet_v3_large")
def mobilenet_v3_large(*, batch: int = 1, precision: str = "int8") -> Workload:
    """MobileNetV3-Large 1.0 (Howard et al. 2019), as torchvision's ``mobilenet_v3_large``.

    Examples
    --------
    >>> mobilenet_v3_large().params
    5483032
    """
    net = Net("mobilenet_v3_large", batch=batch, precision=precision)
    x = net.conv_bn(net.input(3, 224, 224), 16, 3, stride=2, act="hardswish", name="stem")
    # (kernel, expanded channels, out channels, squeeze-excite, activation, stride)
    plan = ((3, 16, 16, False, "relu", 1), (3, 64, 24, False, "relu", 2), (3, 72, 24, False, "relu", 1),
            (5, 72, 40, True, "relu", 2), (5, 120, 40, True, "relu", 1), (5, 120, 40, True, "relu", 1),
            (3, 240, 80, False, "hardswish", 2), (3, 200, 80, False, "hardswish", 1),
            (3, 184, 80, False, "hardswish", 1), (3, 184, 80, False, "hardswish", 1),
            (3, 480, 112, True, "hardswish", 1), (3, 672, 112, True, "hardswish", 1),
            (5, 672, 160, True, "hardswish", 2), (5, 960, 160, True, "hardswish", 1),
            (5, 960, 160, True, "hardswish", 1))
    for i, (k, exp, out, se, act, stride) in enumerate(plan, start=1):
        x = _inverted_residual(net, x, expand=exp, out=out, k=k, stride=stride, act=act,
                               se=make_divisible(exp // 4, 8) if se else None, se_gate="hardsigmoid",
                               prefix=f"block{i}")
    x = net.conv_bn(x, 960, 1, act="hardswish", name="head")
    x = net.global_pool(x)
    x = net.act(net.linear(x, 1280, name="fc1"), "hardswish")
    net.linear(x, 1000, name="fc2")
    return net.done("mobilenet_v3_large")


@WORKLOADS.register("efficientnet_b0")
def efficientnet_b0(*, batch: int = 1, precision: str = "int8") -> Workload:
    """EfficientNet-B0 (Tan and Le 2019), as torchvision's ``efficientnet_b0``.

    Squeeze-and-excite reduces to a quarter of the block's *input* channels, as in the
    reference implementation.

    Examples
    --------
    >>> efficientnet_b0().params
    5288548
    """
    net = Net("efficientnet_b0", batch=batch, precision=precision)
    x = net.conv_bn(net.input(3, 224, 224), 32, 3, stride=2, act="silu", name="stem")
    block = 0
    for ratio, k, stride, out, layers in ((1, 3, 1, 16, 1), (6, 3, 2, 24, 2), (6, 5, 2, 40, 2), (6, 3, 2, 80, 3),
                                          (6, 5, 1, 112, 3), (6, 5, 2, 192, 4), (6, 3, 1, 320, 1)):
        for i in range(layers):
            block += 1
            x = _inverted_residual(net, x, expand=x.c * ratio, out=out, k=k, stride=stride if i == 0 else 1,
                                   act="silu", se=max(1, x.c // 4), se_act="silu", prefix=f"block{block}")
    x = net.conv_bn(x, 1280, 1, act="silu", name="head")
    x = net.global_pool(x)
    net.linear(x, 1000, name="fc")
    return net.done("efficientnet_b0")
