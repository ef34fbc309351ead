"""ONNX and torch.fx importers against networks written here in plain PyTorch.

The reference figures are independent of the importers: the zoo's ResNet-18 (whose
MACs and parameters tests/workloads/test_published_figures.py checks against
torchvision's published numbers), PyTorch's own parameter count
(``sum(p.numel() for p in model.parameters())``) and MAC counts worked out by hand
below. Every network is imported twice by different routes (the fx graph, and the
ONNX graph written by PyTorch's exporters), which must agree.
"""

from __future__ import annotations

import warnings
from collections import Counter

import pytest

from hwcodesign.core.errors import ConfigError
from hwcodesign.workloads import get_workload, load_workload

torch = pytest.importorskip("torch")
nn = torch.nn
F = torch.nn.functional

from hwcodesign.workloads.importers import from_onnx, from_torch  # noqa: E402


# -- networks, written as torchvision and the transformer papers define them --------
class BasicBlock(nn.Module):
    def __init__(self, cin: int, cout: int, stride: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.downsample = None
        if stride != 1 or cin != cout:
            self.downsample = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return self.relu(out + identity)


class ResNet18(nn.Module):
    """torchvision's resnet18 architecture (He et al. 2016, basic blocks 2-2-2-2)."""

    def __init__(self, classes: int = 1000) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(3, 64, 7, 2, 3, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(3, 2, 1)
        cin, layers = 64, []
        for i, width in enumerate((64, 128, 256, 512)):
            layers.append(nn.Sequential(BasicBlock(cin, width, 1 if i == 0 else 2), BasicBlock(width, width, 1)))
            cin = width
        self.layer1, self.layer2, self.layer3, self.layer4 = layers
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(512, classes)

    def forward(self, x):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.fc(torch.flatten(self.avgpool(x), 1))


class Block(nn.Module):
    """A pre-norm transformer encoder layer (GPT-2 / ViT style) with nn.MultiheadAttention."""

    def __init__(self, d: int, heads: int, d_ff: int) -> None:
        super().__init__()
        self.ln1 = nn.LayerNorm(d)
        self.attn = nn.MultiheadAttention(d, heads, batch_first=True)
        self.ln2 = nn.LayerNorm(d)
        self.ffn1 = nn.Linear(d, d_ff)
        self.act = nn.GELU()
        self.ffn2 = nn.Linear(d_ff, d)

    def forward(self, x):
        h = self.ln1(x)
        x = x + self.attn(h, h, h, need_weights=False)[0]
        return x + self.ffn2(self.act(self.ffn1(self.ln2(x))))


class Encoder(nn.Module):
    def __init__(self, d: int = 64, heads: int = 4, d_ff: int = 256, layers: int = 2) -> None:
        super().__init__()
        self.blocks = nn.Sequential(*[Block(d, heads, d_ff) for _ in range(layers)])
        self.ln = nn.LayerNorm(d)

    def forward(self, x):
        return self.ln(self.blocks(x))


TOKENS, D, HEADS, D_FF, LAYERS = 16, 64, 4, 256, 2


def _random(model: nn.Module) -> nn.Module:
    """Random weights (exporters may drop an all-zero bias, as nn.MultiheadAttention initialises it)."""
    gen = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.randn(p.shape, generator=gen))
    return model.eval()


def _torch_params(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def _export(model: nn.Module, x, path, **kwargs) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(model, (x,), str(path), **kwargs)


@pytest.fixture(scope="module")
def resnet():
    return _random(ResNet18())


@pytest.fixture(scope="module")
def encoder():
    return _random(Encoder(D, HEADS, D_FF, LAYERS))


def _encoder_macs_by_hand(batch: int) -> int:
    t, d, f = TOKENS, D, D_FF
    per_layer = t * d * 3 * d + 2 * HEADS * t * t * (d // HEADS) + t * d * d + 2 * t * d * f
    return batch * LAYERS * per_layer


def _encoder_params_by_hand() -> int:
    d, f = D, D_FF
    per_layer = (3 * d * d + 3 * d) + (d * d + d) + (d * f + f) + (f * d + d) + 2 * (2 * d)
    return LAYERS * per_layer + 2 * d


# -- torch.fx ------------------------------------------------------------------------
def test_fx_resnet18_equals_the_zoo_and_torch(resnet):
    w = from_torch(resnet, torch.zeros(1, 3, 224, 224), name="resnet18")
    zoo = get_workload("resnet18")
    assert w.macs == zoo.macs
    assert w.params == zoo.params == _torch_params(resnet) == 11_689_512
    assert Counter(op.kind for op in w) == Counter(op.kind for op in zoo)
    assert w.vector_ops == zoo.vector_ops
    # The DAG keeps the residual: the first block's add reads conv2's batch norm and the max pool.
    assert set(w.inputs("add")) == {"layer1_0_bn2", "maxpool"}


def test_fx_transformer_equals_a_hand_count_and_torch(encoder):
    w = from_torch(encoder, torch.zeros(2, TOKENS, D))
    assert w.batch == 2
    assert w.macs == _encoder_macs_by_hand(2)
    assert w.params == _encoder_params_by_hand() == _torch_params(encoder)
    assert Counter(op.kind for op in w) == Counter(
        {"gemm": 6 * LAYERS, "layernorm": 2 * LAYERS + 1, "elementwise": 3 * LAYERS, "softmax": LAYERS})


def test_fx_multihead_attention_is_the_zoos_attention_block(encoder):
    from hwcodesign.workloads import Workload, attention_block

    w = from_torch(encoder, torch.zeros(1, TOKENS, D))
    ref = Workload("ref")
    attention_block(ref, None, tokens=TOKENS, d_model=D, heads=HEADS, prefix="blocks_0_attn")
    mine = [op for op in w if op.name.startswith("blocks_0_attn")]
    assert [(op.kind, op.to_dict()) for op in mine] == [(op.kind, op.to_dict()) for op in ref]


class Coverage(nn.Module):
    """Depthwise, dilated, grouped and 1-D convs, pools, SDPA and a hand-written attention."""

    def __init__(self) -> None:
        super().__init__()
        self.dw = nn.Conv2d(8, 8, 3, stride=2, padding=1, groups=8)
        self.dil = nn.Conv2d(8, 16, 3, padding=2, dilation=2, bias=False)
        self.grp = nn.Conv2d(16, 16, 1, groups=4)
        self.pool = nn.AvgPool2d(2)
        self.apool = nn.AdaptiveMaxPool2d(2)
        self.ln = nn.LayerNorm(16)
        self.proj = nn.Linear(16, 16)
        self.conv1d = nn.Conv1d(16, 32, 3, stride=2)
        self.bn1d = nn.BatchNorm1d(32)

    def forward(self, x):  # x: (N, 8, 16, 16)
        n = x.shape[0]
        y = F.hardswish(self.dw(x))  # (N, 8, 8, 8)
        y = self.dil(y)  # (N, 16, 8, 8)
        y = self.grp(y) + y
        y = self.pool(torch.sigmoid(y))  # (N, 16, 4, 4)
        t = self.ln(y.flatten(2).transpose(1, 2))  # (N, 16 tokens, 16)
        q = self.proj(t).view(n, 16, 2, 8).transpose(1, 2)  # (N, 2 heads, 16, 8)
        a = F.scaled_dot_product_attention(q, q, q)
        s = torch.softmax(q @ q.transpose(-2, -1), dim=-1) @ q
        o = (a + s).transpose(1, 2).reshape(n, 16, 16)
        c = self.bn1d(self.conv1d(o))  # (N, 32, 7)
        return torch.cat([o.mean(dim=1), self.apool(y).flatten(1), c.mean(dim=-1)], dim=1)


def _coverage_macs_by_hand() -> int:
    dw = 8 * 8 * 8 * 9  # 8 channels, 8 x 8 outputs, 3 x 3 window, one input channel each
    dil = 16 * 8 * 8 * 8 * 9
    grp = 16 * 8 * 8 * (16 // 4)
    proj = 16 * 16 * 16
    attention = 2 * (2 * (2 * 16 * 16 * 8))  # two heads; scores and context; SDPA and by hand
    conv1d = 32 * 7 * 16 * 3
    return dw + dil + grp + proj + attention + conv1d


@pytest.fixture(scope="module")
def coverage():
    return _random(Coverage())


def test_fx_covers_convs_pools_and_attention(coverage):
    w = from_torch(coverage, torch.zeros(1, 8, 16, 16))
    assert w.macs == _coverage_macs_by_hand()
    assert w.params == _torch_params(coverage)
    assert w["dw"].is_depthwise and w["dil"].dilation_h == 2 and w["grp"].groups == 4
    assert w["conv1d"].out_w == 7
    pools = [op for op in w if op.kind == "pool"]
    assert [(p.mode, p.global_pool, p.out_h, p.out_w) for p in pools] == [
        ("avg", False, 4, 4), ("avg", True, 1, 1), ("max", False, 2, 2), ("avg", True, 1, 1)]
    assert sum(op.kind == "softmax" for op in w) == 2


# -- ONNX ------------------------------------------------------------------------------
onnx_required = pytest.mark.skipif(__import__("importlib").util.find_spec("onnx") is None,
                                   reason="the onnx extra is not installed")


@pytest.fixture(scope="module")
def resnet_onnx(resnet, tmp_path_factory):
    """ResNet-18 written by the TorchScript exporter with constant folding off (batch norms kept)."""
    pytest.importorskip("onnx")
    path = tmp_path_factory.mktemp("onnx") / "resnet18.onnx"
    _export(resnet, torch.zeros(1, 3, 224, 224), path, dynamo=False, do_constant_folding=False)
    return path


def _check_resnet18(w, resnet) -> None:
    zoo = get_workload("resnet18")
    assert w.macs == zoo.macs
    assert w.params == zoo.params == _torch_params(resnet)
    assert Counter(op.kind for op in w) == Counter(op.kind for op in zoo)


@onnx_required
def test_onnx_resnet18_equals_the_zoo_and_torch(resnet, resnet_onnx):
    w = load_workload(resnet_onnx)
    assert w.name == "resnet18"
    _check_resnet18(w, resnet)


@onnx_required
@pytest.mark.slow  # the dynamo exporter takes 5-30 s here
def test_onnx_resnet18_from_the_dynamo_exporter(resnet, tmp_path):
    path = tmp_path / "resnet18.onnx"
    _export(resnet, torch.zeros(1, 3, 224, 224), path, dynamo=True, optimize=False)
    _check_resnet18(from_onnx(path), resnet)


@onnx_required
def test_an_onnx_file_simulates_like_the_zoo_network(resnet_onnx):
    from hwcodesign.accelerators import get_accelerator
    from hwcodesign.simulator.systolic import simulate

    acc = get_accelerator("tpu_like")
    totals = [simulate(w, acc).to_dataframe()[["latency_cycles", "energy_pj"]].sum().tolist()
              for w in (load_workload(resnet_onnx), get_workload("resnet18"))]
    assert totals[0] == totals[1]


@onnx_required
def test_onnx_with_batchnorm_folded_keeps_the_macs(resnet, tmp_path):
    # Constant folding (on by default in both exporters) folds each BatchNorm into its
    # conv: the BN's 2C parameters become a conv bias of C.
    path = tmp_path / "folded.onnx"
    _export(resnet, torch.zeros(1, 3, 224, 224), path, dynamo=False)
    w = from_onnx(path, batch=4)
    zoo = get_workload("resnet18")
    bn_channels = sum(op.channels for op in zoo if op.kind == "batchnorm")
    assert w.batch == 4 and w.macs == 4 * zoo.macs
    assert w.params == zoo.params - bn_channels
    assert not any(op.kind == "batchnorm" for op in w)


@onnx_required
@pytest.mark.parametrize("exporter", [
    dict(dynamo=False),
    pytest.param(dict(dynamo=True), marks=pytest.mark.slow),  # torch's default exporter; 5-20 s on first use
], ids=["torchscript", "dynamo"])
def test_onnx_transformer_equals_a_hand_count_and_torch(encoder, tmp_path, exporter):
    path = tmp_path / "encoder.onnx"
    _export(encoder, torch.zeros(1, TOKENS, D), path, **exporter)
    w = from_onnx(path)
    assert w.macs == _encoder_macs_by_hand(1)
    assert w.params == _encoder_params_by_hand() == _torch_params(encoder)
    assert sum(op.kind == "softmax" for op in w) == LAYERS


@onnx_required
def test_onnx_and_fx_agree_on_the_coverage_net(coverage, tmp_path):
    path = tmp_path / "coverage.onnx"
    _export(coverage, torch.zeros(1, 8, 16, 16), path, dynamo=False, do_constant_folding=False)
    w = from_onnx(path)
    assert w.macs == _coverage_macs_by_hand()
    assert w.params == _torch_params(coverage)
    fx = from_torch(coverage, torch.zeros(1, 8, 16, 16))
    assert sorted(op.kind for op in w if op.kind != "elementwise") == sorted(
        op.kind for op in fx if op.kind != "elementwise")


@onnx_required
def test_onnx_symbolic_batch_and_input_shapes(tmp_path):
    from onnx import TensorProto, helper

    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", "seq", 8])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, None)
    wt = helper.make_tensor("w", TensorProto.FLOAT, [8, 4], [0.5] * 32)
    graph = helper.make_graph([helper.make_node("MatMul", ["x", "w"], ["y"], name="fc")], "g", [x], [y], [wt])
    model = helper.make_model(graph)
    with pytest.raises(ConfigError, match=r"Axis 1 \(seq\) of ONNX input 'x' is symbolic"):
        from_onnx(model)
    w = from_onnx(model, input_shapes={"x": (1, 10, 8)}, batch=3)
    assert (w.batch, w["fc"].m, w.macs, w.params) == (3, 10, 3 * 10 * 8 * 4, 32)


# -- unsupported nodes -----------------------------------------------------------------
class WithCumsum(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(8, 8)

    def forward(self, x):
        return torch.relu(self.fc(torch.cumsum(x, dim=1)))


def test_fx_unsupported_node_is_a_clear_error_or_a_warning():
    model = WithCumsum()
    with pytest.raises(ConfigError, match=r"Node 'cumsum' has op 'cumsum', which the importer does not support"):
        from_torch(model, torch.zeros(1, 8))
    with pytest.warns(UserWarning, match=r"1 unsupported node\(s\) .* at zero cost: cumsum \(cumsum\)"):
        w = from_torch(model, torch.zeros(1, 8), on_unsupported="warn")
    assert w.names() == ["fc", "relu"] and w.inputs("relu") == ("fc",)
    assert w.macs == 64 and w.params == _torch_params(model)
    with pytest.raises(ConfigError, match="'on_unsupported' option must be one of 'error', 'warn'"):
        from_torch(model, torch.zeros(1, 8), on_unsupported="ignore")


@onnx_required
def test_onnx_unsupported_node_is_a_clear_error_or_a_warning(tmp_path):
    from onnx import TensorProto, helper

    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, None)
    nodes = [helper.make_node("Relu", ["x"], ["r"], name="relu"), helper.make_node("Erf", ["r"], ["e"], name="erf"),
             helper.make_node("Add", ["e", "r"], ["y"], name="add")]
    model = helper.make_model(helper.make_graph(nodes, "g", [x], [y]))
    with pytest.raises(ConfigError, match=r"Node 'erf' has op 'Erf', which the importer does not support"):
        from_onnx(model)
    with pytest.warns(UserWarning, match=r"erf \(Erf\)"):
        w = from_onnx(model, on_unsupported="warn")
    assert w.names() == ["relu", "add"] and w.inputs("add") == ("relu",)


@onnx_required
def test_load_workload_reads_onnx_files_and_rejects_bad_ones(tmp_path):
    bad = tmp_path / "bad.onnx"
    bad.write_bytes(b"not a protobuf")
    with pytest.raises(ConfigError, match="Cannot read ONNX file"):
        load_workload(bad)
    with pytest.raises(ConfigError, match="does not exist"):
        load_workload(tmp_path / "missing.onnx")


def test_from_torch_rejects_bad_arguments():
    with pytest.raises(ConfigError, match="takes a torch.nn.Module"):
        from_torch("resnet18", torch.zeros(1))
    with pytest.raises(ConfigError, match="'example_inputs' of from_torch"):
        from_torch(nn.ReLU(), 3)



class TokenClassifier(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.embed = nn.Embedding(100, 32)
        self.head = nn.Linear(32, 10)

    def forward(self, ids):
        return self.head(torch.tanh(self.embed(ids))).softmax(dim=-1)


@pytest.mark.parametrize("route", ["fx", "onnx"])
def test_embedding_lookups_import_as_embeddings(route, tmp_path):
    model, ids = _random(TokenClassifier()), torch.zeros(2, 16, dtype=torch.long)
    if route == "onnx":
        pytest.importorskip("onnx")
        _export(model, ids, tmp_path / "tok.onnx", dynamo=False)
        w = from_onnx(tmp_path / "tok.onnx")
    else:
        w = from_torch(model, ids)
    assert [op.kind for op in w] == ["embedding", "elementwise", "gemm", "softmax"]
    assert w.batch == 2 and w.macs == 2 * 16 * 32 * 10
    assert w.params == _torch_params(model) == 100 * 32 + 32 * 10 + 10
