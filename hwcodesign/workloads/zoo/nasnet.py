"""Networks of the NASNet search space: NASNet-A Mobile and AmoebaNet-A Mobile (ImageNet, 224 x 224).

Both stack normal cells (stride 1) and reduction cells (stride 2) after a 3x3 stride-2
stem and two reduction "stem cells". A cell reads the previous two cells' outputs,
combines pairs of hidden states with ops (separable convs applied twice, pools,
identity) and concatenates the results; the concatenation is not an operator, so a
cell's consumers read every concatenated map (see `Feature`). A previous output of
another resolution is brought to the cell's by a factorized reduction (two 1x1
stride-2 convs, the second on the map shifted by one pixel, concatenated, then BN).

NASNet-A follows Keras' ``NASNetMobile`` (the TF-slim model ported, N=4 cells per
stack, 1056 penultimate filters); AmoebaNet-A follows the reference TPU implementation
(tensorflow/tpu ``models/official/amoeba_net``: ``network_utils.BaseCell``,
``model_builder``, ``model_specs``). "SAME" padding is symmetric ``k // 2`` here; for the
odd kernels used it gives TensorFlow's output sizes and MACs. The auxiliary heads (used
only in training) and dropout are omitted.
"""

from __future__ import annotations

from hwcodesign.core.checks import require_int
from hwcodesign.workloads.workload import Workload
from hwcodesign.workloads.zoo._builder import Feature, Net
from hwcodesign.workloads.zoo._registry import WORKLOADS

__all__ = ["nasnet_a_mobile", "amoebanet_a", "AMOEBANET_A_NORMAL", "AMOEBANET_A_REDUCTION"]


def _sep_stack(net: Net, x: Feature, filters: int, k: int, stride: int, prefix: str) -> Feature:
    """[ReLU, separable conv, BN] twice, the stride on the first (Keras/TPU "separable_KxK_2")."""
    for i in (1, 2):
        x = net.act(x, "relu")
        x = net.bn(net.separable(x, filters, k, stride=stride if i == 1 else 1, name=f"{prefix}_sep{i}"))
    return x


def _factorized_reduction(net: Net, x: Feature, filters: int, prefix: str) -> Feature:
    """Halve the resolution of ``x`` (already ReLU'd) without dropping pixels: two 1x1 stride-2 convs, BN.

    The reference average-pools with a 1x1 window at stride 2 (a subsampling, no
    arithmetic) before each 1x1 conv; a stride-2 1x1 conv is the same computation. The
    second path reads the map shifted by one pixel, which changes no size.
    """
    a = net.conv(x, filters // 2, 1, stride=2, name=f"{prefix}_path1_conv")
    b = net.conv(x, filters // 2, 1, stride=2, name=f"{prefix}_path2_conv")
    return net.bn(net.concat(a, b), name=f"{prefix}_bn")


def _match(net: Net, p: Feature | None, x: Feature, filters: int, prefix: str) -> Feature:
    """Keras ``_adjust_block`` / TPU ``_reduce_prev_layer``: bring the previous output ``p`` to ``x``'s size."""
    if p is None:
        return x
    if p.h != x.h:
        return _factorized_reduction(net, net.act(p, "relu"), filters, f"{prefix}_adjust")
    if p.c != filters:
        return net.bn(net.conv(net.act(p, "relu"), filters, 1, name=f"{prefix}_adjust_conv"))
    return p


def _squeeze(net: Net, x: Feature, filters: int, prefix: str) -> Feature:
    """ReLU, 1x1 conv to ``filters``, BN: the start of every cell."""
    return net.bn(net.conv(net.act(x, "relu"), filters, 1, name=f"{prefix}_conv1x1"))


# -- NASNet-A ---------------------------------------------------------------------------
def _nasnet_normal(net: Net, x: Feature, p: Feature | None, filters: int, prefix: str) -> Feature:
    p = _match(net, p, x, filters, prefix)
    h = _squeeze(net, x, filters, prefix)
    x1 = net.add(_sep_stack(net, h, filters, 5, 1, f"{prefix}_left1"), _sep_stack(net, p, filters, 3, 1,
                                                                                  f"{prefix}_right1"))
    x2 = net.add(_sep_stack(net, p, filters, 5, 1, f"{prefix}_left2"), _sep_stack(net, p, filters, 3, 1,
                                                                                  f"{prefix}_right2"))
    x3 = net.add(net.pool(h, "avg", 3, 1, 1), p)
    x4 = net.add(net.pool(p, "avg", 3, 1, 1), net.pool(p, "avg", 3, 1, 1))
    x5 = net.add(_sep_stack(net, h, filters, 3, 1, f"{prefix}_left5"), h)
    return net.concat(p, x1, x2, x3, x4, x5)


def _nasnet_reduction(net: Net, x: Feature, p: Feature | None, filters: int, prefix: str) -> Feature:
    p = _match(net, p, x, filters, prefix)
    h = _squeeze(net, x, filters, prefix)
    x1 = net.add(_sep_stack(net, h, filters, 5, 2, f"{prefix}_left1"), _sep_stack(net, p, filters, 7, 2,
                                                                                  f"{prefix}_right1"))
    x2 = net.add(net.pool(h, "max", 3, 2, 1), _sep_stack(net, p, filters, 7, 2, f"{prefix}_right2"))
    x3 = net.add(net.pool(h, "avg", 3, 2, 1), _sep_stack(net, p, filters, 5, 2, f"{prefix}_right3"))
    x4 = net.add(net.pool(x1, "avg", 3, 1, 1), x2)
    x5 = net.add(_sep_stack(net, x1, filters, 3, 1, f"{prefix}_left5"), net.pool(h, "max", 3, 2, 1))
    return net.concat(x2, x3, x4, x5)


@WORKLOADS.register("nasnet_a_mobile")
def nasnet_a_mobile(*, batch: int = 1, precision: str = "int8", classes: int = 1000) -> Workload:
    """NASNet-A Mobile, 4 @ 1056 (Zoph et al. 2018), as Keras' ``NASNetMobile``.

    Stem 3x3/2 conv (32), reduction stem cells of 11 and 22 filters, then three stacks of
    four normal cells (44, 88, 176 filters; a normal cell outputs 6x, a reduction cell 4x)
    with reduction cells between them, ReLU, global pool and a linear classifier.

    Examples
    --------
    >>> w = nasnet_a_mobile()
    >>> round(w.params / 1e6, 1), round(w.macs / 1e6)
    (5.3, 564)
    """
    require_int("classes", classes, low=1, where="argument of nasnet_a_mobile")
    net = Net("nasnet_a_mobile", batch=batch, precision=precision)
    x = net.bn(net.conv(net.input(3, 224, 224), 32, 3, stride=2, pad=0, name="stem_conv"))
    filters, p = 1056 // 24, None
    x, p = _nasnet_reduction(net, x, p, filters // 4, "stem1"), x
    x, p = _nasnet_reduction(net, x, p, filters // 2, "stem2"), x
    cell = 0
    for stack in range(3):
        if stack:
            # Keras' skip_reduction=False: the cell after a reduction reads the reduction's input as p.
            x, p = _nasnet_reduction(net, x, p, filters * 2 ** stack, f"reduce{stack}"), x
        for _ in range(4):
            x, p = _nasnet_normal(net, x, p, filters * 2 ** stack, f"cell{cell}"), x
            cell += 1
    x = net.global_pool(net.act(x, "relu"))
    net.linear(x, classes, name="classifier")
    return net.done("nasnet_a_mobile", classes=classes)


# -- AmoebaNet-A ------------------------------------------------------------------------
#: AmoebaNet-A normal cell (TPU ``model_specs``): ops, hidden-state index of each, concatenated states.
AMOEBANET_A_NORMAL = (("avg_pool_3x3", "max_pool_3x3", "separable_3x3_2", "none", "none", "avg_pool_3x3",
                       "separable_3x3_2", "separable_5x5_2", "avg_pool_3x3", "separable_3x3_2"),
                      (0, 0, 1, 1, 0, 1, 0, 2, 5, 0), (1, 3, 4, 6))
#: AmoebaNet-A reduction cell, in the same form.
AMOEBANET_A_REDUCTION = (("separable_3x3_2", "avg_pool_3x3", "max_pool_3x3", "separable_7x7_2", "max_pool_3x3",
                          "max_pool_3x3", "separable_3x3_2", "1x7_7x1", "avg_pool_3x3", "separable_7x7_2"),
                         (1, 0, 0, 2, 1, 0, 4, 0, 1, 0), (2, 3, 4, 5, 6))


def _amoeba_op(net: Net, x: Feature, op: str, filters: int, stride: int, prefix: str) -> Feature:
    """TPU ``BaseCell._apply_operation`` for the ops AmoebaNet-A uses."""
    if op.startswith("separable_"):
        return _sep_stack(net, x, filters, int(op[len("separable_")]), stride, prefix)
    if op == "1x7_7x1":  # bottlenecked to a quarter of the filters
        inner = filters // 4
        y = net.bn(net.conv(net.act(x, "relu"), inner, 1, name=f"{prefix}_pre_1x1"))
        y = net.conv(net.act(y, "relu"), inner, (1, 7), stride=(1, stride), name=f"{prefix}_1x7")
        y = net.conv(net.act(net.bn(y), "relu"), inner, (7, 1), stride=(stride, 1), name=f"{prefix}_7x1")
        y = net.bn(y)
        return net.bn(net.conv(net.act(y, "relu"), filters, 1, name=f"{prefix}_post_1x1"))
    if op == "none":
        if stride == 1 and x.c == filters:
            return x
        return net.bn(net.conv(net.act(x, "relu"), filters, 1, stride=stride, name=f"{prefix}_1x1"))
    y = net.pool(x, op[:3], 3, stride, 1)  # avg_pool_3x3 / max_pool_3x3, "SAME"
    return y if x.c == filters else net.bn(net.conv(y, filters, 1, name=f"{prefix}_1x1"))


def _amoeba_cell(net: Net, x: Feature, p: Feature | None, filters: int, reduction: bool, prefix: str) -> Feature:
    ops, indices, concat = AMOEBANET_A_REDUCTION if reduction else AMOEBANET_A_NORMAL
    states = [_squeeze(net, x, filters, prefix), _match(net, p, x, filters, prefix)]
    for i in range(5):
        pair = []
        for side in (0, 1):
            j = 2 * i + side
            stride = 2 if reduction and indices[j] < 2 else 1
            pair.append(_amoeba_op(net, states[indices[j]], ops[j], filters, stride, f"{prefix}_comb{i}_{side}"))
        states.append(net.add(*pair))
    return net.concat(*(states[i] for i in concat))


@WORKLOADS.register("amoebanet_a")
def amoebanet_a(*, batch: int = 1, precision: str = "int8", classes: int = 1000) -> Workload:
    """AmoebaNet-A, mobile setting N=4, F=50 (Real et al. 2019), as the reference TPU implementation.

    Stem 3x3/2 conv (32), two reduction stem cells (F/4 = 12 and F/2 = 25 filters), then
    three stacks of four normal cells (50, 100, 200 filters; a normal cell concatenates
    4 states, a reduction cell 5) with reduction cells between them, ReLU, global pool
    and a linear classifier.

    F/2 = 25 is odd: the factorized reduction that brings the stem conv's output to the
    second stem cell makes two paths of ``25 // 2 = 12`` filters (the TPU code computes
    ``int(25 / 2)`` per path, after an assert on an even count that this F would trip),
    and the pools reading that 24-channel state are followed by a 1x1 conv to 25, as the
    reference does for any input of another width.

    Examples
    --------
    >>> w = amoebanet_a()
    >>> round(w.params / 1e6, 1), round(w.macs / 1e6, 1)
    (5.1, 555.5)
    """
    require_int("classes", classes, low=1, where="argument of amoebanet_a")
    net = Net("amoebanet_a", batch=batch, precision=precision)
    x = net.bn(net.conv(net.input(3, 224, 224), 32, 3, stride=2, pad=0, name="stem_conv"))
    width, p = 50, None
    x, p = _amoeba_cell(net, x, p, width // 4, True, "stem1"), x
    x, p = _amoeba_cell(net, x, p, width // 2, True, "stem2"), x
    cell = 0
    for stack in range(3):
        if stack:
            x, p = _amoeba_cell(net, x, p, width * 2 ** stack, True, f"reduce{stack}"), x
        for _ in range(4):
            x, p = _amoeba_cell(net, x, p, width * 2 ** stack, False, f"cell{cell}"), x
            cell += 1
    x = net.global_pool(net.act(x, "relu"))
    net.linear(x, classes, name="classifier")
    return net.done("amoebanet_a", classes=classes)
