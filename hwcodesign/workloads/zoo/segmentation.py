"""Semantic segmentation: FCN-ResNet50 and DeepLabV3-ResNet50, as torchvision's (21 VOC classes).

The backbone is torchvision's ResNet-50 with ``replace_stride_with_dilation=[False,
True, True]``: layers 3 and 4 keep 1/8 of the input resolution and dilate their 3x3
convs (2 and 4), so the heads run on 65 x 65 maps at torchvision's evaluation size of
520 x 520. The logits are upsampled bilinearly to the input size; that resize is an
`Upsample` operator here (same tensor sizes, no MACs in either case).

``aux=True`` adds torchvision's auxiliary FCN head on layer 3 (1024 -> 256 -> classes,
upsampled like the main output). torchvision builds it whenever pretrained weights are
loaded (``aux_loss`` is forced to True for them) and then runs it in ``forward`` even in
eval mode; with ``weights=None`` and the default ``aux_loss=None`` it is not built. The
``num_params`` torchvision publishes for these models (35,322,218 and 42,004,074) are
those of the pretrained models, so they include it. The default here is ``aux=False``:
the network that produces the segmentation.
"""

from __future__ import annotations

from hwcodesign.core.checks import require_int
from hwcodesign.core.errors import ConfigError
from hwcodesign.workloads.workload import Workload
from hwcodesign.workloads.zoo._builder import Feature, Net
from hwcodesign.workloads.zoo._registry import WORKLOADS
from hwcodesign.workloads.zoo.classic import resnet_stages

__all__ = ["fcn_resnet50", "deeplabv3_resnet50"]


def _check(factory: str, image_size: object, classes: object, aux: object) -> None:
    require_int("image_size", image_size, low=8, multiple_of=8, where=f"argument of {factory}")  # 8: the output stride
    require_int("classes", classes, low=1, where=f"argument of {factory}")
    if not isinstance(aux, bool):
        raise ConfigError(f"The 'aux' argument of {factory} must be True or False. Got {aux!r}.")


def _fcn_head(net: Net, x: Feature, inner: int, classes: int, size: int, prefix: str) -> Feature:
    """torchvision's FCNHead (3x3 conv, BN, ReLU, dropout, 1x1 conv with bias), then the resize to the input."""
    y = net.conv_bn(x, inner, 3, name=f"{prefix}_conv")
    y = net.conv(y, classes, 1, bias=True, name=f"{prefix}_classifier")
    return net.upsample(y, size // y.h, name=f"{prefix}_resize")


def _backbone(factory: str, image_size: int, batch: int, precision: str) -> tuple[Net, list[Feature]]:
    net = Net(factory, batch=batch, precision=precision)
    stages = resnet_stages(net, net.input(3, image_size, image_size), (3, 4, 6, 3), bottleneck=True,
                           dilate=(False, True, True))
    return net, stages


@WORKLOADS.register("fcn_resnet50")
def fcn_resnet50(*, batch: int = 1, precision: str = "int8", image_size: int = 520, classes: int = 21,
                 aux: bool = False) -> Workload:
    """FCN (Long et al. 2015) on a dilated ResNet-50, as torchvision's ``fcn_resnet50``.

    Examples
    --------
    >>> w = fcn_resnet50()
    >>> w.params, w["head_resize"].output.shape
    (32957013, (1, 21, 520, 520))
    >>> fcn_resnet50(aux=True).params  # torchvision's published num_params
    35322218
    """
    _check("fcn_resnet50", image_size, classes, aux)
    net, stages = _backbone("fcn_resnet50", image_size, batch, precision)
    _fcn_head(net, stages[3], 512, classes, image_size, "head")
    if aux:
        _fcn_head(net, stages[2], 256, classes, image_size, "aux")
    return net.done("fcn_resnet50", image_size=image_size, classes=classes, aux=aux)


@WORKLOADS.register("deeplabv3_resnet50")
def deeplabv3_resnet50(*, batch: int = 1, precision: str = "int8", image_size: int = 520, classes: int = 21,
                       aux: bool = False) -> Workload:
    """DeepLabV3 (Chen et al. 2017) on a dilated ResNet-50, as torchvision's ``deeplabv3_resnet50``.

    The ASPP module has a 1x1 branch, three 3x3 branches dilated 12, 24 and 36, and an
    image-pooling branch (global average pool, 1x1 conv, broadcast back to the map's
    size); the 1x1 projection reads the concatenation of all five.

    Examples
    --------
    >>> w = deeplabv3_resnet50()
    >>> w.params, w["aspp_rate36_conv"].dilation_h, len(w.inputs("aspp_project_conv"))
    (39638869, 36, 5)
    >>> deeplabv3_resnet50(aux=True).params  # torchvision's published num_params
    42004074
    """
    _check("deeplabv3_resnet50", image_size, classes, aux)
    net, stages = _backbone("deeplabv3_resnet50", image_size, batch, precision)
    x = stages[3]
    branches = [net.conv_bn(x, 256, 1, name="aspp_1x1_conv")]
    for rate in (12, 24, 36):
        branches.append(net.conv_bn(x, 256, 3, dilation=rate, name=f"aspp_rate{rate}_conv"))
    pooled = net.conv_bn(net.global_pool(x), 256, 1, name="aspp_pool_conv")
    branches.append(net.upsample(pooled, x.h, name="aspp_pool_resize"))
    y = net.conv_bn(net.concat(*branches), 256, 1, name="aspp_project_conv")
    y = net.conv_bn(y, 256, 3, name="head_conv")
    y = net.conv(y, classes, 1, bias=True, name="head_classifier")
    net.upsample(y, image_size // y.h, name="head_resize")
    if aux:
        _fcn_head(net, stages[2], 256, classes, image_size, "aux")
    return net.done("deeplabv3_resnet50", image_size=image_size, classes=classes, aux=aux)
