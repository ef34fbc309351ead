"""Conv / FC layer shapes of torchvision's ResNet-18 and MobileNetV2 (batch 1, 224x224 input).

Pure Python (no torch, no zigzag), so both the ZigZag venv and the hwcodesign side can import it and
see exactly the same layer list.  Layer names are torchvision's module names (``layer2.0.downsample.0``,
``features.3.conv.1.0``, ``fc``, ``classifier.1``), in the order ZigZag's bundled ONNX exports list them.

Conventions (PyTorch's, not ZigZag's):
    k       output channels of the whole layer  (torch ``out_channels`` / ``out_features``)
    c       input channels of the whole layer   (torch ``in_channels`` / ``in_features``)
    groups  conv groups (depthwise: groups == c == k)
    ox, oy  output width / height; ix, iy input width / height (unpadded)
    fx, fy  kernel width / height; stride, pad symmetric
    kind    "conv" or "fc"
ZigZag's own loop dims are per group: K_zz = k // groups, C_zz = c // groups, G_zz = groups.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Layer:
    name: str
    kind: str  # "conv" | "fc"
    k: int
    c: int
    ix: int
    iy: int
    ox: int
    oy: int
    fx: int
    fy: int
    stride: int
    pad: int
    groups: int = 1

    @property
    def macs(self) -> int:
        return self.k * (self.c // self.groups) * self.ox * self.oy * self.fx * self.fy

    def as_dict(self) -> dict:
        d = asdict(self)
        d["macs"] = self.macs
        return d


def _conv(name: str, c: int, k: int, i: int, f: int, s: int, groups: int = 1) -> Layer:
    p = f // 2
    o = (i + 2 * p - f) // s + 1
    return Layer(name, "conv", k, c, i, i, o, o, f, f, s, p, groups)


def _fc(name: str, c: int, k: int) -> Layer:
    return Layer(name, "fc", k, c, 1, 1, 1, 1, 1, 1, 1, 0, 1)


def resnet18() -> list[Layer]:
    """torchvision.models.resnet18: BasicBlock, layers [2, 2, 2, 2]."""
    layers = [_conv("conv1", 3, 64, 224, 7, 2)]
    size = 56  # after 3x3/2 maxpool
    cin = 64
    for stage, cout in enumerate([64, 128, 256, 512], start=1):
        for block in range(2):
            stride = 2 if (block == 0 and stage > 1) else 1
            pre = f"layer{stage}.{block}"
            layers.append(_conv(f"{pre}.conv1", cin, cout, size, 3, stride))
            out = layers[-1].ox
            layers.append(_conv(f"{pre}.conv2", cout, cout, out, 3, 1))
            if stride != 1 or cin != cout:
                layers.append(_conv(f"{pre}.downsample.0", cin, cout, size, 1, stride))
            cin, size = cout, out
    layers.append(_fc("fc", 512, 1000))
    return layers


def mobilenet_v2() -> list[Layer]:
    """torchvision.models.mobilenet_v2 (width_mult 1.0)."""
    settings = [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1)]
    layers = [_conv("features.0.0", 3, 32, 224, 3, 2)]
    size, cin, idx = 112, 32, 1
    for t, cout, n, s in settings:
        for i in range(n):
            stride = s if i == 0 else 1
            hidden = cin * t
            pre = f"features.{idx}.conv"
            j = 0
            if t != 1:
                layers.append(_conv(f"{pre}.0.0", cin, hidden, size, 1, 1))
                j = 1
            layers.append(_conv(f"{pre}.{j}.0", hidden, hidden, size, 3, stride, groups=hidden))
            size = layers[-1].ox
            layers.append(_conv(f"{pre}.{j + 1}", hidden, cout, size, 1, 1))
            cin = cout
            idx += 1
    layers.append(_conv(f"features.{idx}.0", cin, 1280, size, 1, 1))
    layers.append(_fc("classifier.1", 1280, 1000))
    return layers


NETWORKS = {"resnet18": resnet18, "mobilenet_v2": mobilenet_v2}


def get_network(name: str) -> list[Layer]:
    try:
        return NETWORKS[name]()
    except KeyError:
        raise SystemExit(f"unknown network {name!r}; choose from {sorted(NETWORKS)}") from None


def zigzag_layer_dict(layer: Layer, layer_id: int, pred_id: int | None, act_bits: int = 8, w_bits: int = 8) -> dict:
    """The layer in ZigZag 3.9.1's YAML workload format, mirroring what its own ONNX Conv/Gemm parsers build
    (same equation, loop dims, padding and precisions: 8-bit W/I/O_final, 16-bit partial sums)."""
    src_i = layer_id if pred_id is None else pred_id
    precision = {"W": w_bits, "I": act_bits, "O": 2 * act_bits, "O_final": act_bits}
    if layer.kind == "fc":
        return {
            "id": layer_id,
            "name": layer.name,
            "operator_type": "Gemm",
            "equation": "O[d][k]+=I[d][c]*W[c][k]",
            "dimension_relations": [],
            "loop_dims": ["C", "D", "K"],
            "loop_sizes": [layer.c, 1, layer.k],
            "operand_precision": precision,
            "operand_source": {"W": layer_id, "I": src_i},
        }
    g = layer.groups
    return {
        "id": layer_id,
        "name": layer.name,
        "operator_type": "Conv",
        "equation": "O[b][g][k][oy][ox]+=W[g][k][c][fy][fx]*I[b][g][c][iy][ix]",
        "dimension_relations": [f"ix={layer.stride}*ox+1*fx", f"iy={layer.stride}*oy+1*fy"],
        "loop_dims": ["B", "K", "G", "OX", "OY", "C", "FX", "FY"],
        "loop_sizes": [1, layer.k // g, g, layer.ox, layer.oy, layer.c // g, layer.fx, layer.fy],
        "operand_precision": precision,
        "operand_source": {"W": layer_id, "I": src_i},
        "pr_loop_dims": ["IX", "IY"],
        "pr_loop_sizes": [layer.ix, layer.iy],
        "padding": [[layer.pad, layer.pad], [layer.pad, layer.pad]],
    }


def zigzag_workload(layers: list[Layer]) -> list[dict]:
    """Whole network as a ZigZag workload; each layer's input comes from the previous listed layer
    (the graph only orders the layers: inter-layer data locality is not used in this benchmark)."""
    return [zigzag_layer_dict(layer, i, i - 1 if i else None) for i, layer in enumerate(layers)]
