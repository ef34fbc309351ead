"""Zoo conformance: every registered workload builds, round-trips and is well formed."""

import networkx as nx
import pytest

from hwcodesign.core.errors import ConfigError
from hwcodesign.workloads import WORKLOADS, Workload, get_workload

NAMES = WORKLOADS.names()


@pytest.fixture(scope="module", params=NAMES)
def workload(request) -> Workload:
    return get_workload(request.param)


def test_conformance(workload):
    assert workload.macs > 0 and workload.params >= 0 and len(workload) > 0
    assert nx.is_directed_acyclic_graph(workload.graph)
    position = {name: i for i, name in enumerate(workload.names())}
    assert all(position[u] < position[v] for u, v in workload.graph.edges)
    assert Workload.from_dict(workload.to_dict()) == workload
    assert eval(repr(workload), {"get_workload": get_workload}) == workload  # repr pastes back
    for op in workload:
        view = op.gemm_view()
        assert view is None or view.macs == op.macs
        assert op.bytes(workload.precision) > 0


@pytest.mark.parametrize("name", ["tiny", "mobilenet_v2", "bert_base"])
def test_batch_and_precision_parameters(name):
    one, four = get_workload(name), get_workload(name, batch=4, precision="fp16")
    assert four.macs == 4 * one.macs and four.params == one.params and four.precision == "fp16"


def test_nb201_validation():
    for bad in ("", "|nor_conv_3x3~0|", "|nor_conv_3x3~0|+|none~0|none~1|+|none~0|none~1|",
                "|nor_conv_3x3~0|+|none~0|none~1|+|none~0|none~1|conv_5x5~2|",
                "|nor_conv_3x3~1|+|none~0|none~1|+|none~0|none~1|none~2|",
                "nor_conv_3x3~0|+|none~0|none~1|+|none~0|none~1|none~2|"):
        with pytest.raises(ConfigError, match="arch_str"):
            get_workload("nb201", arch_str=bad)
    with pytest.raises(ConfigError, match="dataset"):
        get_workload("nb201", dataset="mnist")


def test_nb201_all_none_cell_is_a_valid_network():
    w = get_workload("nb201", arch_str="|none~0|+|none~0|none~1|+|none~0|none~1|none~2|")
    assert w.macs > 0 and nx.is_directed_acyclic_graph(w.graph)


def test_gpt2_phases():
    decode = get_workload("gpt2", phase="decode", seq_len=1024)
    assert decode["h0_attn_scores"].gemm_view().n == 1024  # reads the whole KV cache
    assert decode["h0_attn_qkv"].gemm_view().m == 1
    with pytest.raises(ConfigError, match="seq_len"):
        get_workload("gpt2", seq_len=2048)
    with pytest.raises(ConfigError, match="phase"):
        get_workload("gpt2", phase="train")
