"""CLI: predict gpu, validate gpu --measured/--out, calibrate and measure error paths."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from hwcodesign.cli import main


def test_predict_gpu_json(tmp_path, capsys):
    out = tmp_path / "p.json"
    assert main(["predict", "gpu", "--device", "rtx3090", "--workload", "resnet50", "--batch", "8",
                 "--precision", "fp16", "--out", str(out)]) == 0
    data = json.loads(out.read_text())
    assert data["device"] == "GeForce RTX 3090" and data["latency_ms"] > 0 and len(data["operators"]) > 50
    assert "latency_ms=" in capsys.readouterr().out


def test_predict_gpu_unknown_device(capsys):
    assert main(["predict", "gpu", "--device", "V1000", "--workload", "tiny"]) == 2
    assert "Did you mean 'V100'" in capsys.readouterr().err


def test_validate_gpu_per_network_file(tmp_path, capsys):
    measured = tmp_path / "m.csv"
    pd.DataFrame({"device": ["V100", "NV_T4", "A100"], "workload": ["resnet50", "resnet18", "resnet50"],
                  "batch": [32, 1, 32], "precision": ["fp16", "fp32", "tf32"], "latency_ms": [20.0, 3.0, 20.0],
                  "note": ["a", "b", "c"]}).to_csv(measured, index=False)
    out = tmp_path / "o.csv"
    assert main(["validate", "gpu", "--measured", str(measured), "--out", str(out)]) == 0
    rows = pd.read_csv(out)
    assert {"device", "workload", "batch", "precision", "latency_ms", "note", "predicted_ms", "ape"} <= set(rows)
    assert len(rows) == 3 and (rows.ape >= 0).all()
    assert main(["predict", "gpu", "--device", "A100", "--workload", "resnet50", "--batch", "32", "--precision",
                 "tf32", "--quiet", "--out", str(tmp_path / "p.json")]) == 0
    assert json.loads((tmp_path / "p.json").read_text())["latency_ms"] == rows.predicted_ms[2]
    plot = tmp_path / "v.png"
    assert main(["validate", "gpu", "--measured", str(measured), "--plot", str(plot)]) == 0
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_validate_gpu_own_catalog(tmp_path, own_catalog):
    measured = tmp_path / "m.csv"
    measured.write_text("device,workload,batch,precision,latency_ms\nmb1,resnet18,8,fp32,9.0\n")
    out = tmp_path / "o.csv"
    assert main(["validate", "gpu", "--measured", str(measured), "--catalog", str(own_catalog), "--out",
                 str(out)]) == 0
    assert pd.read_csv(out)["gpu"].tolist() == ["My Board"]


def test_calibrate_gpu_on_own_networks(tmp_path, capsys):
    measured = tmp_path / "mine.csv"
    measured.write_text("device,workload,batch,precision,layer,latency_ms\n"
                        "T4,tiny,1,fp16,,0.9\nT4,tiny,8,fp16,,1.1\nT4,resnet18,1,fp16,,4.0\n")
    out = tmp_path / "p.json"
    assert main(["calibrate", "gpu", "--devices", "V100", "--measured", str(measured), "--out", str(out)]) == 0
    params = json.loads(out.read_text())
    assert params["dispatch_s"] > 0 and "in-sample fit" in capsys.readouterr().out
    assert main(["predict", "gpu", "--device", "T4", "--workload", "tiny", "--params", str(out), "--quiet"]) == 0


@pytest.mark.parametrize(("row", "message"), [
    ("T4,resnet18,zero,fp16,9.0", "column 'batch' must be a whole number >= 1; line 3 has 'zero'"),
    ("T4,resnet18,8,fp16,-1", "column 'latency_ms' must be a number > 0; line 3 has -1"),
    ("T4,resnet18,8,fp64,9.0", "column 'precision' must be one of fp32, tf32, fp16, bf16, int8; line 3 has 'fp64'")])
def test_validate_gpu_bad_rows_named(tmp_path, capsys, row, message):
    # the second data row (line 3 of the file) is the bad one
    measured = tmp_path / "m.csv"
    measured.write_text(f"device,workload,batch,precision,latency_ms\nT4,tiny,1,fp32,1.0\n{row}\n")
    assert main(["validate", "gpu", "--measured", str(measured)]) == 2
    assert message in capsys.readouterr().err


def test_validate_gpu_deepbench_file(tmp_path):
    measured = tmp_path / "g.csv"
    measured.write_text("device,precision,M,N,K,time_ms\nV100,fp32,1024,1024,1024,0.2\nP100,fp16,35,700,2048,0.05\n")
    out = tmp_path / "o.csv"
    assert main(["validate", "gpu", "--measured", str(measured), "--device", "V100", "--out", str(out)]) == 0
    assert len(pd.read_csv(out)) == 1


def test_validate_gpu_flags_only_for_gpu(capsys):
    assert main(["validate", "cosa", "--device", "V100"]) == 2
    assert main(["validate", "eyeriss", "--plot", "x.png"]) == 2
    assert "--catalog are options of 'validate gpu'" in capsys.readouterr().err


def test_measure_gpu_without_torch_is_a_clear_error(tmp_path, capsys):
    try:
        import torch  # noqa: F401
    except ImportError:
        assert main(["measure", "gpu", "--workload", "tiny", "--out", str(tmp_path / "m.csv")]) == 2
        assert "needs PyTorch" in capsys.readouterr().err
    else:
        assert main(["measure", "gpu", "--workload", "tiny", "--repeats", "2", "--out", str(tmp_path / "m.csv"),
                     "--quiet"]) == 0
        rows = pd.read_csv(tmp_path / "m.csv")
        assert {"device", "workload", "batch", "precision", "latency_ms"} <= set(rows)
