"""The ``plan`` command."""

from __future__ import annotations

import json

import pytest

from hwcodesign.cli import main
from hwcodesign.mapper.graph import GraphProblem, Plan, check_plan
from hwcodesign.workloads import get_workload

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def test_plan_prints_and_writes_every_method(tmp_path, capsys):
    out = tmp_path / "plan.json"
    assert main(["plan", "--workload", "tiny", "--budget", "tight", "--time-limit", "20", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "compulsory traffic" in text and "ilp" in text and "min_peak/best_fit/belady" in text
    data = json.loads(out.read_text())
    p = GraphProblem.from_workload(get_workload("tiny"))
    assert data["workload"] == "tiny" and data["budget_bytes"] == p.budget("tight")
    assert data["compulsory_bytes"] == p.compulsory_bytes
    assert len(data["methods"]) == 9
    # 'tiny' is a chain that fits its tight budget with nothing spilled: the bound and every plan are 0
    assert data["lower_bound_bytes"] == 0 and "lower bound" in text
    for name, m in data["methods"].items():
        assert set(m) >= {"non_compulsory_bytes", "solve_s", "status", "order", "placements", "spills"}
        plan = Plan.from_dict({"workload": "tiny", "method": name, "budget_bytes": data["budget_bytes"],
                               "order": m["order"], "placements": m["placements"], "spills": m["spills"],
                               "status": m["status"], "solve_s": m["solve_s"],
                               "compulsory_bytes": data["compulsory_bytes"],
                               "non_compulsory_bytes": m["non_compulsory_bytes"]})
        assert check_plan(p, plan).ok


def test_plan_accepts_a_byte_string_and_reports_infeasible(capsys):
    assert main(["plan", "--workload", "tiny", "--scratchpad-bytes", "1 KiB", "--time-limit", "5"]) == 0
    assert "infeasible" in capsys.readouterr().out


def test_plan_bad_input_exits_2(capsys):
    assert main(["plan", "--workload", "tiny"]) == 2
    assert "--budget" in capsys.readouterr().err
    assert main(["plan", "--workload", "tiny", "--scratchpad-bytes", "lots"]) == 2
    assert main(["plan", "--workload", "tiny", "--budget", "tight", "--time-limit", "-1"]) == 2
