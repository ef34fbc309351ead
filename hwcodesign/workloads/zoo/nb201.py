"""NAS-Bench-201 cell networks (Dong and Yang, ICLR 2020), as its reference ``TinyNetwork``.

Stem (3x3 conv, 16 channels, BN), three stages of five cells (16, 32, 64 channels)
joined by residual reduction blocks, then BN, ReLU, global average pool and a linear
classifier. A cell is a 4-node DAG; every edge ``i -> j`` carries one of ``none``,
``skip_connect``, ``nor_conv_1x1``, ``nor_conv_3x3`` (ReLU-conv-BN), ``avg_pool_3x3``;
node ``j`` sums its incoming edges.

``zero_edges`` says what a ``none`` edge costs. ``"drop"`` (the default) leaves it out,
as a compiled or hardware implementation would. ``"compute"`` runs the network as the
reference PyTorch code does (``InferCell`` of NAS-Bench-201 / xautodl; measured NB201
latency tables such as HELP's show these kernels' costs): a ``none`` edge is its ``Zero`` module,
``x.mul(0.)``, one elementwise kernel (a ``scale`` operator here), and node ``j`` is
``sum(edge outputs)``: Python's ``sum`` starts from ``0``, so ``0 + t1`` is one more
elementwise kernel (a ``copy`` here) before the ``j - 1`` pairwise adds.
"""

from __future__ import annotations

from typing import Literal

from hwcodesign.core.errors import ConfigError
from hwcodesign.core.seeds import as_generator
from hwcodesign.workloads.operators import Elementwise, Operator
from hwcodesign.workloads.workload import Workload
from hwcodesign.workloads.zoo._builder import Feature, Net
from hwcodesign.workloads.zoo._registry import WORKLOADS

__all__ = ["NB201_OPS", "NB201_ZERO_EDGES", "NB201_BEST_CIFAR10", "NB201_STAGE_CHANNELS", "NB201_CELLS_PER_STAGE",
           "parse_nb201", "nb201", "nb201_cell", "nb201_stages"]

#: The operations an NAS-Bench-201 edge may carry.
NB201_OPS = ("none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3")

#: The architecture with the best CIFAR-10 test accuracy in NAS-Bench-201.
NB201_BEST_CIFAR10 = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|"

#: Channels of the three stages, and cells per stage.
NB201_STAGE_CHANNELS = (16, 32, 64)
NB201_CELLS_PER_STAGE = 5

_DATASETS = {"cifar10": (32, 10), "cifar100": (32, 100), "ImageNet16-120": (16, 120)}
_FORMAT = "'|op~0|+|op~0|op~1|+|op~0|op~1|op~2|' with op one of " + ", ".join(NB201_OPS)


def parse_nb201(arch_str: str) -> tuple[tuple[tuple[str, int], ...], ...]:
    """Parse an NAS-Bench-201 string into, per node 1..3, its ``(op, input_node)`` edges.

    Examples
    --------
    >>> parse_nb201("|nor_conv_3x3~0|+|none~0|skip_connect~1|+|avg_pool_3x3~0|none~1|nor_conv_1x1~2|")[1]
    (('none', 0), ('skip_connect', 1))
    >>> parse_nb201("|conv~0|+|none~0|none~1|+|none~0|none~1|none~2|")
    Traceback (most recent call last):
    ...
    hwcodesign.core.errors.ConfigError: Invalid NAS-Bench-201 arch_str '|conv~0|+|none~0|none~1|+|none~0|none~1|none~2|': unknown op 'conv' on node 1. Expected '|op~0|+|op~0|op~1|+|op~0|op~1|op~2|' with op one of none, skip_connect, nor_conv_1x1, nor_conv_3x3, avg_pool_3x3.
    """

    def bad(why: str) -> ConfigError:
        return ConfigError(f"Invalid NAS-Bench-201 arch_str {arch_str!r}: {why}. Expected {_FORMAT}.")

    if not isinstance(arch_str, str):
        raise ConfigError(f"The NAS-Bench-201 arch_str must be a str. Got {arch_str!r}. Expected {_FORMAT}.")
    nodes = arch_str.split("+")
    if len(nodes) != 3:
        raise bad(f"{len(nodes)} node group(s) separated by '+', need 3")
    parsed = []
    for j, node in enumerate(nodes, start=1):
        if len(node) < 2 or not (node.startswith("|") and node.endswith("|")):
            raise bad(f"node {j} group {node!r} must start and end with '|'")
        edges = node[1:-1].split("|")
        if len(edges) != j:
            raise bad(f"node {j} has {len(edges)} edge(s), needs {j}")
        out = []
        for i, edge in enumerate(edges):
            op, sep, src = edge.partition("~")
            if not sep:
                raise bad(f"edge {edge!r} of node {j} lacks '~<input node>'")
            if op not in NB201_OPS:
                raise bad(f"unknown op {op!r} on node {j}")
            if src != str(i):
                raise bad(f"edge {i} of node {j} must read node {i} ('~{i}'), not {src!r}")
            out.append((op, i))
        parsed.append(tuple(out))
    return tuple(parsed)


#: How a ``none`` edge is built: left out, or computed as the reference PyTorch code does.
NB201_ZERO_EDGES = ("drop", "compute")


def _relu_conv_bn(net: Net, src: Feature, op: str, label: str) -> Feature:
    # ReLUConvBN of a nor_conv_1x1 / nor_conv_3x3 edge: channels and size kept
    y = net.act(src, "relu", name=f"{label}_relu")
    return net.bn(net.conv(y, src.c, 1 if op == "nor_conv_1x1" else 3, name=f"{label}_conv"), name=f"{label}_bn")


def _reference_cell(net: Net, x: Feature, arch: tuple[tuple[tuple[str, int], ...], ...], prefix: str) -> Feature:
    # The reference InferCell: every edge is a module that runs, node j = sum(edge outputs).
    nodes = [x]
    for j, edges in enumerate(arch, start=1):
        terms = []
        for op, i in edges:
            src, label = nodes[i], f"{prefix}_e{i}{j}"
            if op == "none":
                terms.append(net.act(src, "scale", name=f"{label}_zero"))  # Zero: x.mul(0.)
            elif op == "skip_connect":
                terms.append(src)
            elif op in ("nor_conv_1x1", "nor_conv_3x3"):
                terms.append(_relu_conv_bn(net, src, op, label))
            else:
                terms.append(net.pool(src, "avg", 3, 1, 1))
        total = net.act(terms[0], "copy", name=f"{prefix}_n{j}_sum0")  # sum() starts from 0: 0 + t1
        for t in terms[1:]:
            total = net.add(total, t)
        nodes.append(total)
    return nodes[-1]


def _cell(net: Net, x: Feature, arch: tuple[tuple[tuple[str, int], ...], ...], prefix: str) -> Feature:
    # A node that receives only 'none' edges is zero: Feature(None, ...). Ops reading it
    # still exist (and cost) in the reference network, so they are added with no input.
    nodes = [x]
    for j, edges in enumerate(arch, start=1):
        terms = []
        for op, i in edges:
            src, label = nodes[i], f"{prefix}_e{i}{j}"
            if op == "skip_connect":
                if src.name is not None:
                    terms.append(src)
            elif op in ("nor_conv_1x1", "nor_conv_3x3"):
                terms.append(_relu_conv_bn(net, src, op, label))
            elif op == "avg_pool_3x3":
                terms.append(net.pool(src, "avg", 3, 1, 1))
        if not terms:
            nodes.append(Feature(None, x.c, x.h, x.w))
        elif len(terms) == 1:
            nodes.append(terms[0])
        elif len({t.name for t in terms}) < len(terms):
            # Two edges deliver the same tensor (a skip of a node that is itself a skip): the
            # reference sums it twice, so the add reads every term, but the graph has one edge.
            op = Elementwise(op="add", elements=terms[0].elements, num_inputs=len(terms))
            nodes.append(terms[0]._replace(name=net.w.add(op, tuple(dict.fromkeys(t.name for t in terms)))))
        else:
            nodes.append(net.add(*terms))
    return nodes[-1]


def _reduction(net: Net, x: Feature, out: int, prefix: str) -> Feature:
    y = net.bn(net.conv(net.act(x, "relu"), out, 3, stride=2, name=f"{prefix}_conv_a"))
    y = net.bn(net.conv(net.act(y, "relu"), out, 3, name=f"{prefix}_conv_b"))
    shortcut = net.conv(net.pool(x, "avg", 2, 2), out, 1, name=f"{prefix}_downsample")
    return net.add(shortcut, y)


@WORKLOADS.register("nb201")
def nb201(arch_str: str = NB201_BEST_CIFAR10, *, batch: int = 1, precision: str = "int8",
          dataset: Literal["cifar10", "cifar100", "ImageNet16-120"] = "cifar10",
          zero_edges: Literal["drop", "compute"] = "drop") -> Workload:
    """An NAS-Bench-201 network for ``arch_str`` on ``dataset`` (32x32 CIFAR or 16x16 ImageNet16-120).

    ``zero_edges="compute"`` builds the kernels the reference PyTorch code runs for
    ``none`` edges and node sums (see the module docstring); MACs and parameters are the same.

    Examples
    --------
    >>> w = nb201("|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|")
    >>> w.params, w.macs
    (802426, 113951360)
    >>> ref = nb201("|nor_conv_3x3~0|+|none~0|none~1|+|none~0|none~1|none~2|", zero_edges="compute")
    >>> sum(op.kind == "elementwise" and op.op == "scale" for op in ref.operators())  # 5 zero edges x 15 cells
    75
    """
    arch = parse_nb201(arch_str)
    if dataset not in _DATASETS:
        raise ConfigError(f"The 'dataset' of nb201 must be one of {', '.join(map(repr, _DATASETS))}. Got {dataset!r}.")
    if zero_edges not in NB201_ZERO_EDGES:
        raise ConfigError(f"The 'zero_edges' of nb201 must be one of {', '.join(map(repr, NB201_ZERO_EDGES))}. "
                          f"Got {zero_edges!r}.")
    cell = _reference_cell if zero_edges == "compute" else _cell
    size, classes = _DATASETS[dataset]
    net = Net("nb201", batch=batch, precision=precision)
    x = net.bn(net.conv(net.input(3, size, size), 16, 3, name="stem"))
    for stage, channels in enumerate(NB201_STAGE_CHANNELS):
        if stage:
            x = _reduction(net, x, channels, prefix=f"reduce{stage}")
        for i in range(NB201_CELLS_PER_STAGE):
            x = cell(net, x, arch, prefix=f"s{stage}c{i}")
    x = net.act(net.bn(x), "relu")
    x = net.global_pool(x)
    net.linear(x, classes, name="classifier")
    if zero_edges == "compute":
        return net.done("nb201", arch_str=arch_str, dataset=dataset, zero_edges=zero_edges)
    return net.done("nb201", arch_str=arch_str, dataset=dataset)


def nb201_stages(dataset: Literal["cifar10", "cifar100", "ImageNet16-120"] = "cifar10") -> tuple[tuple[int, int], ...]:
    """``(channels, height)`` of the cells' input in each stage of `nb201` on ``dataset`` (square feature maps).

    Examples
    --------
    >>> nb201_stages("ImageNet16-120")
    ((16, 16), (32, 8), (64, 4))
    """
    if dataset not in _DATASETS:
        raise ConfigError(f"The 'dataset' of nb201 must be one of {', '.join(map(repr, _DATASETS))}. Got {dataset!r}.")
    size = _DATASETS[dataset][0]
    return tuple((channels, size >> stage) for stage, channels in enumerate(NB201_STAGE_CHANNELS))


def nb201_cell(arch_str: str, *, channels: int, size: int, batch: int = 1,
               precision: str = "int8") -> list[Operator]:
    """The operators `nb201` adds for one cell on a ``channels`` x ``size`` x ``size`` input, in order.

    A network is its stem, reductions and head plus `NB201_CELLS_PER_STAGE` such cells per
    stage (`nb201_stages`), which lets co-exploration cost a new cell without building
    the whole network.

    Examples
    --------
    >>> cell = nb201_cell("|nor_conv_3x3~0|+|none~0|none~1|+|skip_connect~0|none~1|none~2|", channels=16, size=32)
    >>> [op.kind for op in cell], sum(op.macs for op in cell) == 16 * 16 * 9 * 32 * 32
    (['elementwise', 'conv2d', 'batchnorm'], True)
    """
    net = Net("nb201_cell", batch=batch, precision=precision)
    # The cell reads the previous operator's output; a stand-in gives it a name, and is dropped.
    x = net.act(net.input(channels, size, size), "relu", name="cell_input")
    _cell(net, x, parse_nb201(arch_str), prefix="cell")
    return [op for op in net.w.operators() if op.name != "cell_input"]


def random_nb201_arch(seed: int) -> str:
    """An NAS-Bench-201 arch string drawn uniformly from the 5^6 = 15,625 cells, deterministic in ``seed``.

    Each of the six edges gets one of `NB201_OPS` (``numpy.random.default_rng(seed)``).

    Examples
    --------
    >>> random_nb201_arch(0) == random_nb201_arch(0)
    True
    >>> parse_nb201(random_nb201_arch(7))[2][2][1]  # the third node's last edge reads node 2
    2
    """
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ConfigError(f"The 'seed' of an NAS-Bench-201 draw must be an int >= 0. Got {seed!r}.")
    ops = iter(as_generator(seed).integers(0, len(NB201_OPS), size=6).tolist())
    return "+".join("|" + "|".join(f"{NB201_OPS[next(ops)]}~{i}" for i in range(j)) + "|" for j in (1, 2, 3))


@WORKLOADS.register("nb201_random")
def nb201_random(seed: int = 0, *, batch: int = 1, precision: str = "int8",
                 dataset: Literal["cifar10", "cifar100", "ImageNet16-120"] = "cifar10") -> Workload:
    """The NAS-Bench-201 network of the cell `random_nb201_arch` draws for ``seed``.

    Examples
    --------
    >>> w = nb201_random(3)
    >>> w == nb201(random_nb201_arch(3))
    True
    >>> w
    get_workload('nb201_random', seed=3, dataset='cifar10', batch=1, precision='int8')
    """
    w = nb201(random_nb201_arch(seed), batch=batch, precision=precision, dataset=dataset)
    w._origin = ("nb201_random", {"seed": seed, "dataset": dataset, "batch": w.batch, "precision": w.precision})
    return w
