"""`hwcodesign validate` prints the comparison tables and exits 0."""

from __future__ import annotations

import pytest

from hwcodesign.cli import main


@pytest.mark.parametrize(("target", "words"), [("timeloop", ["798600", "pJ/MAC", "accesses_glb_ofmap"]),
                                               ("cosa", ["1.254e+04", "input_buf"])])
def test_validate_prints_table(target, words, capsys):
    assert main(["validate", target]) == 0
    out = capsys.readouterr().out
    assert all(w in out or w.replace("798600", "7.986e+05") in out for w in words)


def test_validate_eyeriss_and_all(capsys):
    assert main(["validate", "all", "--budget", "500"]) == 0
    out = capsys.readouterr().out
    assert "Timeloop" in out and "CoSA" in out and "CONV5" in out and "power (mW)" in out


def test_validate_rejects_unknown_target():
    assert main(["validate", "maestro"]) == 2
