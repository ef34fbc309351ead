"""Co-design spaces: NB201 networks and their measured accuracy, chips, and the decoded product."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from hwcodesign.codesign.accuracy import NB201Accuracy, nb201_table
from hwcodesign.codesign.space import (
    Chip,
    CodesignSpace,
    CustomNetworkSpace,
    NB201Space,
    SubAccelerator,
    build_sub_accelerator,
    operator_signature,
)
from hwcodesign.core.errors import ConfigError, UnknownNameError
from hwcodesign.workloads import get_workload
from hwcodesign.workloads.zoo.nb201 import NB201_OPS, nb201

RESNET = "|nor_conv_3x3~0|+|none~0|nor_conv_3x3~1|+|skip_connect~0|none~1|skip_connect~2|"
#: A skip of a skip: node 3 sums node 1 twice (the case the builder must not reject).
DOUBLE_SKIP = "|nor_conv_1x1~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_3x3~0|skip_connect~1|skip_connect~2|"


def test_measured_accuracy_matches_the_nas_bench_201_paper():
    # Dong & Yang, ICLR 2020, Table 5 ("optimal"): the best cell's test accuracy on each dataset.
    table = nb201_table()
    assert len(table) == 15_625 == 5**6
    assert [round(table[c].max(), 2) for c in ("cifar10_pct", "cifar100_pct", "imagenet16_pct")] == [
        94.37, 73.51, 47.31]


def test_best_is_the_maximum_of_the_table():
    source = NB201Accuracy("cifar100")
    best = source.best(3)
    assert [source(a) for a in best] == sorted(nb201_table()["cifar100_pct"], reverse=True)[:3]


@pytest.mark.parametrize("task", ["cifar10", "cifar100", "imagenet16"])
def test_operator_counts_equal_the_whole_network(task):
    rng = np.random.default_rng(7)
    space = NB201Space(task)
    archs = [DOUBLE_SKIP, RESNET] + [space.network({n: NB201_OPS[rng.integers(5)] for n in space.edge_names})
                                     for _ in range(3)]
    for arch in archs:
        counts, examples = space.operator_counts(arch)
        full = Counter(operator_signature(op) for op in space.workload(arch).operators())
        assert counts == full, arch
        assert all(operator_signature(examples[s]) == s for s in counts)
        assert sum(n * examples[s].macs for s, n in counts.items()) == space.workload(arch).macs


def test_imagenet16_network_is_16x16_with_120_classes():
    w = nb201(RESNET, dataset="ImageNet16-120")
    ops = w.operators()
    assert (ops[0].in_h, ops[-1].gemm_view().n) == (16, 120)


def test_params_round_trip_and_fixed_space():
    space = NB201Space("cifar10")
    assert space.network(space.params(RESNET)) == RESNET
    fixed = space.fixed(RESNET)
    assert [d.name for d in fixed.dimensions()] == [d.name for d in space.dimensions()]
    assert all(len(d.options) == 1 for d in fixed.dimensions())
    with pytest.raises(UnknownNameError):
        NB201Space("cifar1000")
    with pytest.raises(ConfigError):
        NB201Space("cifar10", ops={"cifar10__e01": ("conv",)})


def test_sub_accelerator_uses_its_template_at_the_chip_process():
    sub = SubAccelerator(template="nvdla_like", rows=16, cols=8, bandwidth_bytes_per_cycle=8)
    acc = build_sub_accelerator(sub, clock_hz=5e8, tech_node_nm=28.0, word_bytes=1)
    assert (acc.template, acc.num_pes, acc.clock_hz, acc.tech_node_nm) == ("nvdla_like", 128, 5e8, 28.0)
    assert acc.dram.bandwidth_bytes_per_cycle == 8
    assert [d.size for d in acc.spatial_array().dims] == [16, 8]  # Atomic-C x Atomic-K


def test_chip_budgets_and_area():
    a = SubAccelerator(template="eyeriss_like", rows=16, cols=16, bandwidth_bytes_per_cycle=16)
    b = SubAccelerator(template="shidiannao_like", rows=8, cols=8, bandwidth_bytes_per_cycle=32)
    chip = Chip(subs=(a, b), pe_budget=320, bandwidth_budget_bytes_per_cycle=48)
    assert chip.area_mm2() == pytest.approx(sum(acc.area_mm2() for acc in chip.accelerators()))
    with pytest.raises(ConfigError, match="pe_budget"):
        Chip(subs=(a, b), pe_budget=319)
    with pytest.raises(ConfigError, match="bandwidth"):
        Chip(subs=(a, b), bandwidth_budget_bytes_per_cycle=40)
    with pytest.raises(ConfigError, match="1 to 4"):
        Chip(subs=(b,) * 5, pe_budget=10_000, bandwidth_budget_bytes_per_cycle=1000)


def _point(space: CodesignSpace, **hardware) -> dict:
    point = {}
    for net_space in space.tasks.values():
        point.update(net_space.params(RESNET))
    point.update(hardware)
    return point


def test_decode_keeps_only_used_slots_and_the_validity_predicate_applies_budgets():
    slots = {}
    for k, (template, n) in enumerate((("nvdla_like", 32), ("eyeriss_like", 16), ("shidiannao_like", 32))):
        slots.update({f"sub{k}__template": template, f"sub{k}__pe_array__rows": n, f"sub{k}__pe_array__cols": n,
                      f"sub{k}__dram__bandwidth_bytes_per_cycle": 16})
    space = CodesignSpace.nb201(["cifar10", "imagenet16"], max_subs=3, pe_budget=1280)
    point = _point(space, cifar10__sub=2, imagenet16__sub=1, **slots)
    design = space.decode(point)
    assert [s.template for s in design.chip.subs] == ["eyeriss_like", "shidiannao_like"]
    assert design.assignment == {"cifar10": 1, "imagenet16": 0}
    assert space.search_space().is_valid(point)  # slots 1 and 2: 256 + 1024 PEs; slot 0 (1024 PEs) unused
    tight = CodesignSpace.nb201(["cifar10", "imagenet16"], max_subs=3, pe_budget=1024)
    assert not tight.search_space().is_valid(point)
    assert tight.search_space().is_valid({**point, "cifar10__sub": 1})  # one slot of 256 PEs
    with pytest.raises(ConfigError, match="pe_budget"):
        tight.decode(point)
    search, rng = tight.search_space(), np.random.default_rng(0)
    for _ in range(50):
        design = tight.decode(search.sample(rng))
        assert sum(s.num_pes for s in design.chip.subs) <= 1024
        assert sum(s.bandwidth_bytes_per_cycle for s in design.chip.subs) <= 64


def test_fix_networks_keeps_the_names():
    space = CodesignSpace.nb201(["cifar10"], max_subs=2)
    fixed = space.fix_networks({"cifar10": RESNET})
    assert fixed.search_space().names == space.search_space().names
    point = fixed.search_space().sample(np.random.default_rng(1))
    assert fixed.decode(point).networks == {"cifar10": RESNET}
    assert space.search_space().is_valid(point)


def test_custom_network_space_with_a_user_accuracy_function():
    space = CustomNetworkSpace("toy", {"batch": (1, 2, 4)}, build=lambda p: get_workload("tiny").with_batch(p["batch"]),
                               accuracy=lambda p: 90.0 - p["batch"])
    assert space.best(1) == ["batch=1"]
    assert space.workload("batch=4").batch == 4
    assert space.params("batch=2") == {"toy__batch": 2}
    bad = CustomNetworkSpace("toy", {"batch": (1,)}, build=lambda p: get_workload("tiny"), accuracy=lambda p: 120.0)
    with pytest.raises(ConfigError, match="percent"):
        bad.accuracy("batch=1")
