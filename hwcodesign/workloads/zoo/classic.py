"""AlexNet, VGG-16, ResNet-18/50 and ResNeXt-50 as defined by torchvision (ImageNet, 224 x 224).

BatchNorm layers are separate operators so parameter counts match torchvision's
(which counts BN's scale and shift). Dropout and the adaptive average pool that is the
identity at 224 x 224 are omitted: they do no arithmetic at inference.
"""

from __future__ import annotations

from hwcodesign.workloads.workload import Workload
from hwcodesign.workloads.zoo._builder import Feature, Net
from hwcodesign.workloads.zoo._registry import WORKLOADS

__all__ = ["alexnet", "vgg16", "resnet18", "resnet50", "resnext50_32x4d", "resnet_stages"]


@WORKLOADS.register("alexnet")
def alexnet(*, batch: int = 1, precision: str = "int8") -> Workload:
    """AlexNet, torchvision's single-tower variant (64-192-384-256-256 filters).

    Examples
    --------
    >>> round(alexnet().macs / 1e9, 3)
    0.714
    """
    net = Net("alexnet", batch=batch, precision=precision)
    x = net.input(3, 224, 224)
    for out, k, stride, pad, pool in ((64, 11, 4, 2, True), (192, 5, 1, 2, True), (384, 3, 1, 1, False),
                                      (256, 3, 1, 1, False), (256, 3, 1, 1, True)):
        x = net.act(net.conv(x, out, k, stride=stride, pad=pad, bias=True), "relu")
        if pool:
            x = net.pool(x, "max", 3, 2)
    x = net.act(net.linear(x, 4096), "relu")
    x = net.act(net.linear(x, 4096), "relu")
    net.linear(x, 1000, name="fc")
    return net.done("alexnet")


@WORKLOADS.register("vgg16")
def vgg16(*, batch: int = 1, precision: str = "int8") -> Workload:
    """VGG-16 (configuration D, no batch norm), as torchvision's ``vgg16``.

    Examples
    --------
    >>> round(vgg16().params / 1e6, 1)
    138.4
    """
    net = Net("vgg16", batch=batch, precision=precision)
    x = net.input(3, 224, 224)
    for stage, (out, convs) in enumerate(((64, 2), (128, 2), (256, 3), (512, 3), (512, 3)), start=1):
        for i in range(1, convs + 1):
            x = net.act(net.conv(x, out, 3, bias=True, name=f"conv{stage}_{i}"), "relu")
        x = net.pool(x, "max", 2, 2)
    x = net.act(net.linear(x, 4096, name="fc6"), "relu")
    x = net.act(net.linear(x, 4096, name="fc7"), "relu")
    net.linear(x, 1000, name="fc8")
    return net.done("vgg16")


def _basic(net: Net, x: Feature, out: int, stride: int, prefix: str) -> Feature:
    y = net.conv_bn(x, out, 3, stride=stride, name=f"{prefix}_conv1")
    y = net.conv_bn(y, out, 3, act=None, name=f"{prefix}_conv2")
    if stride != 1 or x.c != out:
        x = net.conv_bn(x, out, 1, stride=stride, act=None, name=f"{prefix}_downsample")
    return net.act(net.add(y, x), "relu")


def _bottleneck(net: Net, x: Feature, planes: int, stride: int, prefix: str, *, groups: int = 1,
                width_per_group: int = 64, dilation: int = 1) -> Feature:
    # ResNet v1.5 (torchvision): the stride sits on the 3x3 conv; ResNeXt widens and groups it.
    width = planes * width_per_group // 64 * groups
    y = net.conv_bn(x, width, 1, name=f"{prefix}_conv1")
    y = net.conv_bn(y, width, 3, stride=stride, groups=groups, dilation=dilation, name=f"{prefix}_conv2")
    y = net.conv_bn(y, planes * 4, 1, act=None, name=f"{prefix}_conv3")
    if stride != 1 or x.c != planes * 4:
        x = net.conv_bn(x, planes * 4, 1, stride=stride, act=None, name=f"{prefix}_downsample")
    return net.act(net.add(y, x), "relu")


def resnet_stages(net: Net, x: Feature, blocks: tuple[int, ...], *, bottleneck: bool, groups: int = 1,
                  width_per_group: int = 64, dilate: tuple[bool, bool, bool] = (False, False, False)) -> list[Feature]:
    """torchvision's ResNet body (conv1 .. layer4) on ``x``; returns the four stages' outputs.

    ``dilate`` is torchvision's ``replace_stride_with_dilation`` for layers 2-4: such a
    stage keeps its input's resolution and dilates its 3x3 convs instead (the first
    block at the previous dilation, as torchvision does).
    """
    x = net.conv_bn(x, 64, 7, stride=2, name="conv1")
    x = net.pool(x, "max", 3, 2, 1)
    outputs, dilation = [], 1
    for stage, (count, planes) in enumerate(zip(blocks, (64, 128, 256, 512)), start=1):
        stride, previous = (2 if stage > 1 else 1), dilation
        if stage > 1 and dilate[stage - 2]:
            dilation, stride = dilation * stride, 1
        for i in range(count):
            prefix = f"layer{stage}_{i}"
            if bottleneck:
                x = _bottleneck(net, x, planes, stride if i == 0 else 1, prefix, groups=groups,
                                width_per_group=width_per_group, dilation=previous if i == 0 else dilation)
            else:
                x = _basic(net, x, planes, stride if i == 0 else 1, prefix)
        outputs.append(x)
    return outputs


def _resnet(name: str, blocks: tuple[int, ...], bottleneck: bool, batch: int, precision: str, *,
            groups: int = 1, width_per_group: int = 64) -> Workload:
    net = Net(name, batch=batch, precision=precision)
    x = resnet_stages(net, net.input(3, 224, 224), blocks, bottleneck=bottleneck, groups=groups,
                      width_per_group=width_per_group)[-1]
    x = net.global_pool(x)
    net.linear(x, 1000, name="fc")
    return net.done(name)


@WORKLOADS.register("resnet18")
def resnet18(*, batch: int = 1, precision: str = "int8") -> Workload:
    """ResNet-18 (basic blocks 2-2-2-2), as torchvision's ``resnet18``.

    Examples
    --------
    >>> resnet18().params
    11689512
    """
    return _resnet("resnet18", (2, 2, 2, 2), False, batch, precision)


@WORKLOADS.register("resnet50")
def resnet50(*, batch: int = 1, precision: str = "int8") -> Workload:
    """ResNet-50 v1.5 (bottlenecks 3-4-6-3, stride on the 3x3), as torchvision's ``resnet50``.

    Examples
    --------
    >>> w = resnet50()
    >>> w.params, round(w.macs / 1e9, 3)
    (25557032, 4.089)
    """
    return _resnet("resnet50", (3, 4, 6, 3), True, batch, precision)


@WORKLOADS.register("resnext50_32x4d")
def resnext50_32x4d(*, batch: int = 1, precision: str = "int8") -> Workload:
    """ResNeXt-50 32x4d (Xie et al. 2017): ResNet-50 with 32-group 3x3 convs of width 4 per group x 2^stage.

    As torchvision's ``resnext50_32x4d``: bottleneck widths 128, 256, 512, 1024.

    Examples
    --------
    >>> w = resnext50_32x4d()
    >>> w.params, w["layer1_0_conv2"].groups
    (25028904, 32)
    """
    return _resnet("resnext50_32x4d", (3, 4, 6, 3), True, batch, precision, groups=32, width_per_group=4)
