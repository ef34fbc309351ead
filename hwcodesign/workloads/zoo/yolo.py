"""YOLOv3-tiny (darknet's ``yolov3-tiny.cfg``, COCO, 416 x 416)."""

from __future__ import annotations

from hwcodesign.core.checks import require_int
from hwcodesign.workloads.operators import Conv2d, Pool
from hwcodesign.workloads.workload import Workload
from hwcodesign.workloads.zoo._builder import Feature, Net
from hwcodesign.workloads.zoo._registry import WORKLOADS

__all__ = ["yolov3_tiny"]


@WORKLOADS.register("yolov3_tiny")
def yolov3_tiny(*, batch: int = 1, precision: str = "int8", size: int = 416, classes: int = 80) -> Workload:
    """YOLOv3-tiny: 13 convs (BN + leaky ReLU, except the two 1x1 detection convs with bias).

    ``size`` is the input side (a multiple of 32). The last max pool is 2 x 2 at stride
    1 with darknet's "same" padding. The route that concatenates the upsampled map with
    the 26 x 26 feature is the second detection branch's conv reading both producers.

    Examples
    --------
    >>> round(2 * yolov3_tiny().macs / 1e9, 2)  # darknet prints 2 x MACs as "BFLOPs"
    5.56
    """
    size = require_int("size", size, low=32, multiple_of=32, where="argument of yolov3_tiny")
    net = Net("yolov3_tiny", batch=batch, precision=precision)
    head = 3 * (classes + 5)
    x = net.input(3, size, size)
    features = []
    for i, out in enumerate((16, 32, 64, 128, 256, 512)):
        x = net.conv_bn(x, out, 3, act="leaky_relu", name=f"conv{i}")
        features.append(x)
        if out < 512:
            x = net.pool(x, "max", 2, 2)
    route8 = features[4]  # the 256-channel map at 1/16 scale
    op = Pool(channels=x.c, in_h=x.h, in_w=x.w, kernel_h=2, kernel_w=2, mode="max", pad_same=True)
    x = Feature(net.w.add(op, (x.name,), name="maxpool_s1"), x.c, x.h, x.w)
    x = net.conv_bn(x, 1024, 3, act="leaky_relu", name="conv6")
    route13 = net.conv_bn(x, 256, 1, act="leaky_relu", name="conv7")
    y = net.conv_bn(route13, 512, 3, act="leaky_relu", name="conv8")
    net.conv(y, head, 1, bias=True, name="detect1")
    y = net.conv_bn(route13, 128, 1, act="leaky_relu", name="conv9")
    y = net.upsample(y, 2)
    cat = Conv2d(in_channels=y.c + route8.c, out_channels=256, in_h=y.h, in_w=y.w, kernel_h=3, kernel_w=3,
                 pad_h=1, pad_w=1)
    y = Feature(net.w.add(cat, (y.name, route8.name), name="conv10"), 256, y.h, y.w)
    y = net.act(net.bn(y), "leaky_relu")
    net.conv(y, head, 1, bias=True, name="detect2")
    return net.done("yolov3_tiny", size=size, classes=classes)
