"""DenseNet-121 (Huang et al. 2017) as torchvision's ``densenet121`` (ImageNet, 224 x 224).

Every dense layer reads the concatenation of its block's input and all earlier layers'
outputs: its first BatchNorm has one input edge per concatenated map (a concatenation
is not an operator; see `Feature`). Dropout is omitted (rate 0 in torchvision).
"""

from __future__ import annotations

from hwcodesign.workloads.workload import Workload
from hwcodesign.workloads.zoo._builder import Feature, Net
from hwcodesign.workloads.zoo._registry import WORKLOADS

__all__ = ["densenet121"]


def _dense_block(net: Net, x: Feature, layers: int, growth: int, bn_size: int, prefix: str) -> Feature:
    parts = [x]
    for i in range(1, layers + 1):
        y = net.act(net.bn(net.concat(*parts), name=f"{prefix}_layer{i}_norm1"), "relu")
        y = net.conv_bn(y, bn_size * growth, 1, name=f"{prefix}_layer{i}_conv1")  # conv1 -> norm2 -> relu2
        parts.append(net.conv(y, growth, 3, name=f"{prefix}_layer{i}_conv2"))
    return net.concat(*parts)


@WORKLOADS.register("densenet121")
def densenet121(*, batch: int = 1, precision: str = "int8") -> Workload:
    """DenseNet-121 (k=32, blocks 6-12-24-16, BC compression 0.5), as torchvision's ``densenet121``.

    Examples
    --------
    >>> w = densenet121()
    >>> w.params
    7978856
    >>> w["block4_layer16_norm1"].channels, len(w.inputs("block4_layer16_norm1"))  # 512 + 15 x 32
    (992, 16)
    """
    net = Net("densenet121", batch=batch, precision=precision)
    x = net.conv_bn(net.input(3, 224, 224), 64, 7, stride=2, name="conv0")
    x = net.pool(x, "max", 3, 2, 1)
    for block, layers in enumerate((6, 12, 24, 16), start=1):
        x = _dense_block(net, x, layers, growth=32, bn_size=4, prefix=f"block{block}")
        if block < 4:
            y = net.act(net.bn(x, name=f"transition{block}_norm"), "relu")
            y = net.conv(y, x.c // 2, 1, name=f"transition{block}_conv")
            x = net.pool(y, "avg", 2, 2)
    x = net.act(net.bn(x, name="norm5"), "relu")
    x = net.global_pool(x)
    net.linear(x, 1000, name="classifier")
    return net.done("densenet121")
