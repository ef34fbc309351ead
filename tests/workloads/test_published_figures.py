"""Zoo MACs and parameters against published figures (never against our own output).

Sources
-------
TV : torchvision model docs / weight metadata (``num_params`` exact; ``_ops`` = "GFLOPS",
     which torchvision counts as multiply-accumulates, to 3 decimals), e.g.
     torchvision/models/resnet.py ``ResNet50_Weights.IMAGENET1K_V1.meta``.
HF : Hugging Face ``BertModel`` / ``GPT2Model`` parameter counts (bert-base-uncased
     109,482,240; gpt2 124,439,808), matching the papers' "110M" and "124M".
Papers: MobileNet v1 (Howard et al. 2017, Table 8: 569M mult-adds, 4.2M params),
     MobileNetV2 (Sandler et al. 2018, Table 4: 300M, 3.4M), MobileNetV3-Large
     (Howard et al. 2019, Table 3: 219M MAdds, 5.4M), EfficientNet-B0 (Tan and Le 2019,
     Table 2: 0.39B FLOPs = mult-adds, 5.3M), ViT-B/16 (Dosovitskiy et al. 2021: 86M),
     BERT-base (TinyBERT, Jiao et al. 2020, Table 1: 109M params, 22.5B FLOPs at
     sequence length 128, FLOPs = 2 x MACs), GPT-2 (Kaplan et al. 2020, Table 1:
     forward cost 2N + 2 n_layer n_ctx d_attn FLOPs per token, N non-embedding params).
NB201: NAS-Bench-201 / NATS-Bench API ``get_cost_info`` values quoted in
     github.com/D-X-Y/NATS-Bench issues #36 and #24. Its FLOPs counter (xautodl
     ``utils/flop_benchmark.py``) counts conv and linear MACs plus the linear bias adds.
Darknet: pjreddie.com/darknet/yolo: YOLOv3-tiny 5.56 BFLOPs at 416 (darknet prints
     2 x MACs); the released yolov3-tiny.weights is 35,434,956 bytes.
"""

import pytest

from hwcodesign.workloads import get_workload

# name: (params, tolerance, MACs, tolerance, source and reasoning)
TORCHVISION = {
    # exact parameter counts; _ops is rounded to 3 decimals of GMACs -> +-0.0005e9 absolute
    "alexnet": (61_100_840, 0.714e9),
    "vgg16": (138_357_544, 15.470e9),
    "resnet18": (11_689_512, 1.814e9),
    "resnet50": (25_557_032, 4.089e9),
    "mobilenet_v2": (3_504_872, 0.301e9),
    "mobilenet_v3_large": (5_483_032, 0.217e9),
    "efficientnet_b0": (5_288_548, 0.386e9),
    "vit_b16": (86_567_656, 17.564e9),
}


@pytest.mark.parametrize("name", sorted(TORCHVISION))
def test_torchvision_figures(name):
    params, macs = TORCHVISION[name]
    w = get_workload(name)
    assert w.params == params  # TV num_params: exact, BN scale/shift included as ours
    assert w.macs == pytest.approx(macs, abs=0.0005e9)  # TV _ops printed to 3 decimals


PAPERS = {
    # name: (params, params rel tol, MACs, MACs rel tol); papers round to 2-3 significant digits,
    # so the tolerance is the rounding (half a unit of the last digit, relative) plus a margin.
    "mobilenet_v1": (4.2e6, 0.02, 569e6, 0.005),      # 4.2M -> +-0.05M; BN shifts not in the paper count
    "mobilenet_v2": (3.4e6, 0.035, 300e6, 0.01),      # paper 3.4M omits BN (3.47M conv+fc) -> 3%
    "mobilenet_v3_large": (5.4e6, 0.02, 219e6, 0.015),  # paper 219M counts SE/h-swish slightly differently
    "efficientnet_b0": (5.3e6, 0.01, 0.39e9, 0.015),
    "vit_b16": (86e6, 0.01, None, None),
    "bert_base": (109e6, 0.01, 22.5e9 / 2, 0.015),    # TinyBERT's FLOPs include softmax/GELU etc.: ~0.7%
}


@pytest.mark.parametrize("name", sorted(PAPERS))
def test_paper_figures(name):
    params, ptol, macs, mtol = PAPERS[name]
    w = get_workload(name)
    assert w.params == pytest.approx(params, rel=ptol)
    if macs is not None:
        assert w.macs == pytest.approx(macs, rel=mtol)


def test_bert_and_gpt2_hugging_face_parameter_counts():
    assert get_workload("bert_base").params == 109_482_240  # HF BertModel incl. pooler
    assert get_workload("gpt2").params == 124_439_808  # HF GPT2Model, LM head tied to wte


def test_gpt2_decode_cost_matches_kaplan():
    # Kaplan et al. Table 1: N = 2 d_model n_layer (2 d_attn + d_ff) = 84,934,656 for GPT-2 small;
    # forward MACs per token = N + n_layer n_ctx d_attn (+ de-embedding d_model n_vocab).
    # At a context of 1 token the attention term is tiny (our P@V adds another 9,216).
    n_layer, d, n_vocab = 12, 768, 50257
    n = 2 * d * n_layer * (2 * d + 4 * d)
    kaplan = n + n_layer * 1 * d + d * n_vocab
    assert get_workload("gpt2", phase="decode", seq_len=1).macs == pytest.approx(kaplan, rel=1e-3)


def test_yolov3_tiny_darknet():
    w = get_workload("yolov3_tiny")
    assert 2 * w.macs == pytest.approx(5.56e9, rel=0.002)  # darknet BFLOPs, 3 significant digits
    # yolov3-tiny.weights: 20-byte header, then float32 per conv: bias, and for the BN convs
    # scale, running mean and running variance too. The cfg's BN convs have
    # 16+32+64+128+256+512+1024+256+512+128+256 = 3184 filters; mean and variance are not
    # trainable parameters.
    floats = (35_434_956 - 20) // 4
    assert w.params == floats - 2 * 3184


NB201 = [
    # (arch_str, dataset, FLOPs in M, params in M, source)
    ("|skip_connect~0|+|none~0|nor_conv_3x3~1|+|avg_pool_3x3~0|nor_conv_3x3~1|nor_conv_3x3~2|",
     "cifar10", 113.95137, 0.802426),  # NATS-Bench issue #36 (hp='12' entry)
    ("|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_1x1~0|skip_connect~1|skip_connect~2|",
     "cifar10", 15.64737, None),  # NATS-Bench issue #24, arch index 0 (cifar10-valid, 10 classes)
    ("|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_1x1~0|skip_connect~1|skip_connect~2|",
     "cifar100", 15.65322, None),  # same issue
    ("|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_1x1~0|skip_connect~1|skip_connect~2|",
     "ImageNet16-120", 3.91948, None),  # same issue
]


@pytest.mark.parametrize("arch, dataset, flops_m, params_m", NB201)
def test_nb201_api_figures(arch, dataset, flops_m, params_m):
    w = get_workload("nb201", arch_str=arch, dataset=dataset)
    classes = w["classifier"].n
    # NB201 FLOPs = conv + linear MACs + the classifier's bias adds; printed to 1e-5 M.
    assert (w.macs + classes) / 1e6 == pytest.approx(flops_m, abs=1e-5)
    if params_m is not None:
        assert w.params / 1e6 == pytest.approx(params_m, abs=1e-6)
