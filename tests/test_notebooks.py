"""Every notebook in notebooks/ runs top to bottom in a real Jupyter kernel (nbclient), and none is
committed with outputs.

The kernel is this interpreter: a kernel spec named ``python3`` is written to a temporary
directory with ``sys.executable`` in its command line, so the notebooks see the same
environment as pytest whatever ``python`` on PATH is, and no ``ipykernel install`` is
needed (``pip install -e .[dev]`` brings nbclient, nbformat and ipykernel). The kernel
also gets the repository root first on ``PYTHONPATH``, as pytest puts it on ``sys.path``,
so the notebooks run against this checkout of ``hwcodesign``.
Run one notebook: ``python3 -m pytest tests/test_notebooks.py -k 02_comparing``.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
NOTEBOOK_DIR = ROOT / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))
#: Seconds a whole notebook's cells may run (each cell gets what is left). A notebook is meant to finish
#: in about a minute on two idle cores; the margin is for shared CI runners.
NOTEBOOK_TIMEOUT_S = 300

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")


@pytest.fixture(scope="module")
def kernel_dirs(tmp_path_factory) -> list[str]:
    """A kernel-spec directory whose ``python3`` kernel runs ``sys.executable`` on this checkout."""
    from ipykernel.kernelspec import write_kernel_spec

    root = tmp_path_factory.mktemp("kernels")
    path = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)
    write_kernel_spec(root / "python3", overrides={"env": {"PYTHONPATH": path}})
    return [str(root)]


def _execute(nb, kernel_dirs: list[str], timeout_s: float = NOTEBOOK_TIMEOUT_S):
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import AsyncKernelManager

    # An AsyncKernelManager, as nbclient makes itself: with a blocking KernelManager nbclient
    # waits for a cell's reply without its timeout (jupyter_client 8, nbclient 0.11).
    km = AsyncKernelManager(kernel_name="python3", kernel_spec_manager=KernelSpecManager(kernel_dirs=kernel_dirs))
    deadline: list[float] = []  # set when the first cell starts: the kernel's start has its own timeout

    def time_left(cell) -> float:
        deadline[:] = deadline or [time.monotonic() + timeout_s]
        return max(1.0, deadline[0] - time.monotonic())

    client = nbclient.NotebookClient(nb, km=km, timeout_func=time_left,
                                     resources={"metadata": {"path": str(NOTEBOOK_DIR)}})
    return client.execute()  # CellTimeoutError, naming the cell, once the notebook's time is spent


def test_kernel_is_this_interpreter_and_checkout(kernel_dirs):
    code = "import sys, hwcodesign; print(sys.executable); print(hwcodesign.__file__)"
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code)])
    executable, package = _execute(nb, kernel_dirs).cells[0].outputs[0]["text"].split()
    assert Path(executable).resolve() == Path(sys.executable).resolve()
    assert Path(package).resolve() == (ROOT / "hwcodesign" / "__init__.py").resolve()


def test_notebook_timeout_covers_the_whole_notebook(kernel_dirs):
    cells = [nbformat.v4.new_code_cell("import time; time.sleep(3)") for _ in range(3)]
    with pytest.raises(nbclient.exceptions.CellTimeoutError, match="sleep"):
        _execute(nbformat.v4.new_notebook(cells=cells), kernel_dirs, timeout_s=7)  # each cell alone fits


def test_notebooks_found():
    assert {"01_systolic_quickstart.ipynb", "02_comparing_templates.ipynb", "03_memory_planning.ipynb",
            "04_coexploration.ipynb", "05_gpu_validation.ipynb"} <= {p.name for p in NOTEBOOKS}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs(path, kernel_dirs):
    nb = nbformat.read(path, as_version=4)
    _execute(nb, kernel_dirs)  # raises CellExecutionError, naming the cell, on the first failing one
    assert any(cell.cell_type == "code" and cell.outputs for cell in nb.cells)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_stored_without_outputs(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    dirty = [i for i, cell in enumerate(nb.cells) if cell.cell_type == "code"
             and (cell.outputs or cell.execution_count is not None)]
    assert not dirty, f"{path.name}: cells {dirty} hold outputs or execution counts; clear them before committing"
