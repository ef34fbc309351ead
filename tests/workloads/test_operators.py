"""Operators: shapes and counts by hand, validation, and hypothesis invariants."""

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hwcodesign.core.errors import ConfigError, UnknownNameError
from hwcodesign.workloads import (
    BatchNorm,
    Conv2d,
    Elementwise,
    Embedding,
    Gemm,
    GemmView,
    LayerNorm,
    Operator,
    Pool,
    Softmax,
    Upsample,
    bytes_per_element,
    tensor_bytes,
)


def test_conv_by_hand():
    # ResNet-50 conv1: 224x224x3 -> 112x112x64, 7x7 stride 2 pad 3.
    c = Conv2d(in_channels=3, out_channels=64, in_h=224, in_w=224, kernel_h=7, kernel_w=7,
               stride_h=2, stride_w=2, pad_h=3, pad_w=3)
    assert (c.out_h, c.out_w) == (112, 112)
    assert c.macs == 112 * 112 * 64 * 7 * 7 * 3 == 118_013_952
    assert c.params == 64 * 3 * 49
    assert c.dims == {"N": 1, "G": 1, "K": 64, "C": 3, "P": 112, "Q": 112, "R": 7, "S": 7}
    assert c.gemm_view() == GemmView(m=112 * 112, n=64, k=147, groups=1)


def test_conv_dilation_groups_bias():
    c = Conv2d(in_channels=8, out_channels=16, in_h=10, in_w=12, kernel_h=3, kernel_w=3, dilation_h=2,
               dilation_w=2, groups=4, bias=True, batch=2)
    # effective kernel 5 -> 6 x 8 output
    assert (c.out_h, c.out_w) == (6, 8)
    assert c.params == 16 * 2 * 9 + 16
    assert c.macs == 2 * 16 * 2 * 6 * 8 * 9
    assert c.gemm_view() == GemmView(m=2 * 48, n=4, k=18, groups=4)


def test_depthwise_constructor():
    d = Conv2d.depthwise(32, 112, 112, 3, stride=2)
    assert d.is_depthwise and d.groups == 32 and (d.out_h, d.out_w) == (56, 56)
    assert d.macs == 56 * 56 * 32 * 9
    assert d.gemm_view() == GemmView(m=56 * 56, n=1, k=9, groups=32)


def test_conv_ceil_mode_matches_scalesim_rule():
    # alexnet.csv Conv1: 224, 11x11, stride 4 -> SCALE-Sim ceil((224-11+4)/4) = 55
    c = Conv2d(in_channels=3, out_channels=96, in_h=224, in_w=224, kernel_h=11, kernel_w=11, stride_h=4,
               stride_w=4, ceil_mode=True)
    assert c.out_h == 55
    assert Conv2d.from_dict({**c.to_dict(), "ceil_mode": False}).out_h == 54


@pytest.mark.parametrize("field, value, words", [
    ("in_channels", 0, "'in_channels' field of Conv2d"),
    ("kernel_h", 40, "'kernel_h' field of Conv2d"),
    ("groups", 3, "'in_channels' field of Conv2d(name='c') must be a multiple of groups=3"),
    ("stride_w", -1, "must be an int >= 1"),
])
def test_conv_rejects_bad_fields(field, value, words):
    base = dict(name="c", in_channels=4, out_channels=8, in_h=32, in_w=32, kernel_h=3, kernel_w=3)
    with pytest.raises(ConfigError, match=words.replace("(", r"\(").replace(")", r"\)")):
        Conv2d(**{**base, field: value})


def test_gemm_weight_and_activation():
    fc = Gemm(m=197, n=3072, k=768, bias=True, batch=4)
    assert fc.macs == 4 * 197 * 3072 * 768 and fc.params == 768 * 3072 + 3072
    assert fc.gemm_view() == GemmView(m=4 * 197, n=3072, k=768, groups=1)
    qk = Gemm(m=128, n=128, k=64, groups=12, b_operand="activation", batch=2)
    assert qk.params == 0 and qk.gemm_view() == GemmView(m=128, n=128, k=64, groups=24)
    assert [t.role for t in qk.operands()] == ["input", "input", "output"]
    assert Gemm(m=1, n=10, k=10, weight_shared=True).params == 0
    with pytest.raises(ConfigError, match="'bias' field of Gemm"):
        Gemm(m=1, n=1, k=1, b_operand="activation", bias=True)


def test_pool_and_vector_ops():
    p = Pool(channels=64, in_h=112, in_w=112, kernel_h=3, kernel_w=3, stride_h=2, stride_w=2, pad_h=1, pad_w=1)
    assert (p.out_h, p.out_w) == (56, 56) and p.macs == 0 and p.vector_ops == 64 * 56 * 56 * 9
    g = Pool(channels=2048, in_h=7, in_w=7, mode="avg", global_pool=True)
    assert (g.out_h, g.out_w, g.window) == (1, 1, (7, 7))
    assert Pool(channels=1, in_h=13, in_w=13, kernel_h=2, kernel_w=2, pad_same=True).out_h == 13
    with pytest.raises(ConfigError, match="'kernel_h' field of Pool"):
        Pool(channels=1, in_h=7, in_w=7, kernel_h=3, global_pool=True)


def test_other_operators():
    assert Softmax(rows=4, length=8).vector_ops == 5 * 32
    assert LayerNorm(rows=4, features=8).params == 16
    assert BatchNorm(channels=8, h=2, w=2).params == 16
    assert Embedding(tokens=3, vocab=10, dim=4).params == 40
    assert Upsample(channels=2, in_h=3, in_w=3, scale=2).output.shape == (1, 2, 6, 6)
    assert Elementwise(op="add", elements=10, num_inputs=2).vector_ops == 10
    with pytest.raises(ConfigError, match="'op' field of Elementwise"):
        Elementwise(op="frobnicate", elements=1)


def test_precision_table_and_bytes():
    assert bytes_per_element("int4") == 0.5 and bytes_per_element("bf16") == 2
    assert tensor_bytes(3, "int4") == 2  # rounded up per tensor, not per element
    assert Gemm(m=2, n=3, k=4).bytes("fp32") == (8 + 12 + 6) * 4
    assert Gemm(m=2, n=3, k=4).bytes("int8", "weight") == 12
    with pytest.raises(UnknownNameError, match="Did you mean 'fp16'"):
        tensor_bytes(1, "fp61")


def test_operator_dict_round_trip():
    for op in (Conv2d.depthwise(8, 4, 4), Gemm(m=1, n=2, k=3, name="g"), Softmax(rows=1, length=2)):
        assert Operator.from_dict(op.to_dict()) == op
        assert type(op).from_dict(op.to_dict()) == op
    with pytest.raises(ConfigError, match="expected 'gemm'"):
        Gemm.from_dict(Softmax(rows=1, length=2).to_dict())


# -- properties -------------------------------------------------------------------
@st.composite
def convs(draw):
    groups = draw(st.integers(1, 4))
    kh, kw = draw(st.integers(1, 5)), draw(st.integers(1, 5))
    dh, dw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    ph, pw = draw(st.integers(0, 3)), draw(st.integers(0, 3))
    h = draw(st.integers(max(1, dh * (kh - 1) + 1 - 2 * ph), 40))
    w = draw(st.integers(max(1, dw * (kw - 1) + 1 - 2 * pw), 40))
    return Conv2d(batch=draw(st.integers(1, 3)), in_channels=groups * draw(st.integers(1, 8)),
                  out_channels=groups * draw(st.integers(1, 8)), in_h=h, in_w=w, kernel_h=kh, kernel_w=kw,
                  stride_h=draw(st.integers(1, 4)), stride_w=draw(st.integers(1, 4)), pad_h=ph, pad_w=pw,
                  dilation_h=dh, dilation_w=dw, groups=groups, bias=draw(st.booleans()),
                  ceil_mode=draw(st.booleans()))


@settings(max_examples=200, deadline=None)
@given(convs())
def test_conv_invariants(conv):
    assert conv.out_h >= 1 and conv.out_w >= 1
    assert conv.macs == conv.gemm_view().macs == math.prod(conv.dims.values())
    assert conv.params >= 0
    out = conv.output
    assert out.shape == (conv.batch, conv.out_channels, conv.out_h, conv.out_w)
    assert conv.bytes("int8") == sum(t.elements for t in conv.operands())


@settings(max_examples=100, deadline=None)
@given(convs())
def test_scalesim_form_preserves_macs(conv):
    if conv.dilation_h == 1 and conv.dilation_w == 1:
        assert conv.scalesim_form().macs * conv.batch == conv.macs
    else:
        with pytest.raises(ConfigError, match="dilation"):
            conv.scalesim_form()


@settings(max_examples=100, deadline=None)
@given(st.integers(1, 64), st.integers(1, 64), st.integers(1, 64), st.integers(1, 8), st.integers(1, 4),
       st.sampled_from(["weight", "activation"]))
def test_gemm_invariants(m, n, k, groups, batch, b):
    g = Gemm(m=m, n=n, k=k, groups=groups, batch=batch, b_operand=b)
    assert g.macs == g.gemm_view().macs == math.prod(g.dims.values())
    assert g.params >= 0 and (g.params == 0) == (b == "activation")
