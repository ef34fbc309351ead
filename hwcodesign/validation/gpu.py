"""The GPU engine against measured GPU runs: DeepBench kernels and NAS-Bench-201 networks.

Data shipped in ``data/measured`` (sources and licences in its README.md):

- DeepBench GEMM and conv-forward kernels on seven NVIDIA GPUs (fp32; fp16 on P100
  and V100; int8 on three Pascal GPUs), ``load_deepbench``, each row with the library
  era of its CUDA version (``library``: ``legacy`` = CUDA 7.5/8.0, ``current`` = 10.1)
  and its cuDNN major version (``cudnn``);
- the best measured bf16 matmul throughput of A100 and H100 (``tensor_efficiency_prior``);
- whole-network latency of all 15,625 NAS-Bench-201 cells on four GPUs at batch 1, 32
  and 256 (HELP), ``nb201_measured``;
- and any user file in the per-network form ``device, workload, batch, precision,
  latency_ms`` (``load_network_measurements``).

Every error reported for a device is leave-one-device-out: the parameters are fitted
without that device's rows, and it is predicted from its datasheet alone. Kernel
parameters are properties of the cuBLAS/cuDNN kernels, so they are fitted per library
era, on the other devices measured with libraries of the same era (then refined on those
that ran the same cuDNN release on the same architecture); with none, the a-priori values
(`GPUModelParams()`) are used. NB201 networks are built as the reference PyTorch code runs
them (`NB201_ZERO_EDGES`).

Examples
--------
>>> db = load_deepbench("gemm")
>>> sorted(db["gpu"].unique())[:2], int((db["precision"] == "fp16").sum())
(['GeForce GTX 1080 Ti', 'GeForce GTX Titan X (Maxwell)'], 320)
"""

from __future__ import annotations

import io
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from hwcodesign.accelerators.gpus import get_gpu
from hwcodesign.core.errors import ConfigError
from hwcodesign.simulator.gpu.calibrate import fit_params
from hwcodesign.simulator.gpu.kernels import ALGORITHMS, KernelBatch, kernel_seconds
from hwcodesign.simulator.gpu.model import (
    GPU_MODEL_PRECISIONS,
    conv_batch,
    device_arrays,
    gemm_batch,
    network_kernels,
    network_seconds,
    storage_precision,
)
from hwcodesign.simulator.gpu.params import DEFAULT_PARAMS, KERNEL_PARAMS, NETWORK_PARAMS, GPUModelParams
from hwcodesign.workloads.precision import bytes_per_element

__all__ = ["NB201_DEVICES", "NB201_LIBRARY", "NB201_ZERO_EDGES", "NETWORK_COLUMNS", "LIBRARY_ERAS", "library_era",
           "load_deepbench", "tensor_efficiency_prior", "load_network_measurements", "nb201_measured",
           "predict_deepbench", "fit_kernel_params", "refit_default_params", "lodo_deepbench", "nb201_predict",
           "fit_network_params", "lodo_nb201", "sample_groups", "ape_table", "spearman", "predict_measured",
           "published_measured", "published_table", "CUDNN_ALGORITHMS", "algorithm_table", "measured_predictor",
           "fit_measured_network_params", "load_measured", "GPUValidation", "validate_gpu",
           "plot_predicted_vs_measured", "plot_validation"]

#: HELP's NB201 device keys -> catalog names. HELP's "titanx" is taken to be the Pascal
#: Titan X: its latencies track the 1080 Ti's, which a Maxwell Titan X (60% of the FLOP/s) could not.
NB201_DEVICES = {"1080ti": "GeForce GTX 1080 Ti", "2080ti": "GeForce RTX 2080 Ti", "titanx": "Titan X (Pascal)",
                 "titanxp": "Titan Xp"}
#: HELP measured NB201 in 2020-21 with PyTorch (CUDA >= 10 libraries on every GPU).
NB201_LIBRARY = "current"
#: Library eras: the kernels of cuBLAS/cuDNN changed between CUDA 8 / cuDNN 6 and CUDA >= 9 /
#: cuDNN 7 (tensor cores, new GEMM tiles and heuristics, new Winograd/implicit-GEMM kernels).
LIBRARY_ERAS = ("legacy", "current")
#: Columns of the per-network measured form.
NETWORK_COLUMNS = ("device", "workload", "batch", "precision", "latency_ms")


def _data(*parts: str) -> str:
    return resources.files("hwcodesign.validation").joinpath("data", "measured", *parts).read_text(encoding="utf-8")


def _with_gpu(frame: pd.DataFrame) -> pd.DataFrame:
    names = {d: get_gpu(d).name for d in frame["device"].unique()}
    frame = frame.copy()
    frame["gpu"] = frame["device"].map(names)
    return frame


def library_era(cuda_version: str | float) -> str:
    """The library era of a CUDA version: ``legacy`` before CUDA 9, else ``current``.

    >>> library_era("8.0.61"), library_era("10.1.243")
    ('legacy', 'current')
    """
    try:
        major = int(str(cuda_version).split(".")[0])
    except ValueError:
        raise ConfigError(f"A CUDA version must look like '10.1'. Got {cuda_version!r}.") from None
    return "legacy" if major < 9 else "current"


def _deepbench_library(frame: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """Per row: the library era of its CUDA version and the major version of its cuDNN (`deepbench/specs.csv`)."""
    specs = pd.read_csv(io.StringIO(_data("deepbench", "specs.csv"))).set_index(["key", "device", "suite"])["value"]
    keys = list(zip(frame["device"], frame["suite"], strict=True))
    era = [library_era(specs[("CUDA Version", *k)]) for k in keys]
    cudnn = [int(str(specs[("Cudnn Version", *k)]).split(".")[0]) for k in keys]
    return pd.Series(era, index=frame.index), pd.Series(cudnn, index=frame.index)


def load_deepbench(kind: Literal["gemm", "conv"], path: str | Path | None = None) -> pd.DataFrame:
    """DeepBench rows of ``kind`` (shipped data, or a file in the same form) with ``gpu`` and ``measured_ms``.

    GEMM form: ``device, precision, M, N, K, time_ms`` (+ ``math``, the arithmetic
    precision, default = ``precision``; + ``library``, one of `LIBRARY_ERAS`, default
    ``current``; + ``cudnn``, the cuDNN major version, optional). Conv form: ``device,
    precision, N, C, H, W, K, R_filter_h, S_filter_w, pad_h, pad_w, stride_h, stride_w,
    fwd_ms``. Shipped rows get ``library`` from the CUDA
    version and ``cudnn`` from the cuDNN version DeepBench reports for each device and
    suite (``deepbench/specs.csv``).
    """
    if kind not in ("gemm", "conv"):
        raise ConfigError(f"DeepBench kind must be 'gemm' or 'conv'. Got {kind!r}.")
    text = _data("deepbench", f"{kind}.csv") if path is None else _read(path)
    frame = pd.read_csv(io.StringIO(text))
    need = {"gemm": ("device", "precision", "M", "N", "K", "time_ms"),
            "conv": ("device", "precision", "N", "C", "H", "W", "K", "R_filter_h", "S_filter_w", "pad_h", "pad_w",
                     "stride_h", "stride_w", "fwd_ms")}[kind]
    _require(frame, need, f"DeepBench {kind} data")
    if path is not None:
        _check_values(frame, f"DeepBench {kind} file {str(path)!r}",
                      integers=[c for c in need if c not in ("device", "precision", "time_ms", "fwd_ms", "pad_h",
                                                              "pad_w")],
                      choices={"precision": GPU_MODEL_PRECISIONS})
    if "math" not in frame:
        frame["math"] = frame["precision"]
    if path is None:
        frame["library"], frame["cudnn"] = _deepbench_library(frame)
    elif "library" not in frame:
        frame["library"] = "current"
    bad = sorted(set(frame["library"]) - set(LIBRARY_ERAS))
    if bad:
        raise ConfigError(f"The 'library' column of DeepBench {kind} data must be one of {', '.join(LIBRARY_ERAS)}. "
                          f"Got {', '.join(map(repr, bad))}.")
    if path is None and kind == "conv":
        # DeepBench's conv_bench gives cuDNN >= 6 the data type as the convolution's compute
        # type (ConvolutionDescriptor<T2> with T2 = the storage type, code/nvidia/cudnn_helper.h
        # and conv_bench.cu), so its 16-bit convs ran with fp16 arithmetic (TRUE_HALF_CONFIG),
        # whatever the spreadsheet's "16 bit inputs, 32 bit multiplication" label says (which
        # the GEMM rows keep). Decided from the benchmark's source, not from any measured row.
        frame.loc[(frame["precision"] == "fp16") & (frame["cudnn"] >= 6), "math"] = "fp16"
    frame["kind"] = kind
    frame["measured_ms"] = frame["time_ms" if kind == "gemm" else "fwd_ms"].astype(float)
    if kind == "conv" and "out_h" not in frame:
        frame["out_h"] = (frame.H + 2 * frame.pad_h - frame.R_filter_h) // frame.stride_h + 1
        frame["out_w"] = (frame.W + 2 * frame.pad_w - frame.S_filter_w) // frame.stride_w + 1
    return _with_gpu(frame[frame["measured_ms"] > 0].reset_index(drop=True))


def _read(path: str | Path) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"Cannot read measured data {str(path)!r}: {exc}") from None


def _require(frame: pd.DataFrame, columns, what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ConfigError(f"{what} lacks column(s) {', '.join(missing)}; it has {', '.join(map(str, frame.columns))}.")


def _check_values(frame: pd.DataFrame, what: str, *, integers=(), positive=(), choices: dict | None = None) -> None:
    """Raise `ConfigError` naming the column, the first bad row (its line in the file) and what is allowed:
    ``integers`` must be whole numbers >= 1, ``positive`` numbers > 0, ``choices`` one of the listed values."""
    def fail(column: str, mask: pd.Series, allowed: str) -> None:
        i = int(np.flatnonzero(mask.to_numpy())[0])
        value = frame[column].iloc[i]
        shown = repr(value) if isinstance(value, str) else str(value)
        raise ConfigError(f"{what}: column {column!r} must be {allowed}; line {i + 2} has {shown}.")

    for column in (*integers, *positive):
        values = pd.to_numeric(frame[column], errors="coerce")
        if column in integers:
            bad = values.isna() | (values < 1) | (values != values.round())
            if bad.any():
                fail(column, bad, "a whole number >= 1")
        elif (bad := values.isna() | ~(values > 0)).any():
            fail(column, bad, "a number > 0")
    for column, allowed in (choices or {}).items():
        bad = ~frame[column].isin(allowed)
        if bad.any():
            fail(column, bad, f"one of {', '.join(allowed)}")


def load_network_measurements(path: str | Path) -> pd.DataFrame:
    """A per-network measured file: ``device, workload, batch, precision, latency_ms`` (other columns kept)."""
    frame = pd.read_csv(io.StringIO(_read(path)))
    what = f"Per-network measured file {str(path)!r}"
    _require(frame, NETWORK_COLUMNS, what)
    _check_values(frame, what, integers=("batch",), positive=("latency_ms",),
                  choices={"precision": GPU_MODEL_PRECISIONS})
    frame["measured_ms"] = frame["latency_ms"].astype(float)
    return frame


def published_measured() -> pd.DataFrame:
    """Published whole-network inference latencies, in the per-network form, never fitted on.

    NVIDIA's DeepLearningExamples (PyTorch 21.03 NGC container): ResNet-50 v1.5 on V100 16GB
    and T4 (FP32 and AMP) and EfficientNet-B0 on A100 80GB (TF32 and AMP) and V100 16GB (FP32
    and AMP), batch 1-256. AMP rows are ``fp16`` (autocast runs convolutions and GEMMs in
    fp16), TF32 rows ``tf32``; ``framework_precision`` keeps the source's label.
    ``latency_ms`` is the batch over the published mean throughput: the published mean
    latency includes rare slow iterations (it exceeds the 95th percentile at large batches);
    both are kept (``latency_avg_ms``, ``latency_p95_ms``).

    >>> f = published_measured()
    >>> len(f), sorted(f["gpu"].unique())
    (72, ['A100 SXM4 80GB', 'Tesla T4', 'Tesla V100 SXM2'])
    """
    frame = _with_gpu(pd.read_csv(io.StringIO(_data("published", "dle_pytorch_inference.csv"))))
    frame["measured_ms"] = frame["latency_ms"].astype(float)
    return frame


def load_measured(path: str | Path) -> tuple[Literal["kernels", "networks"], pd.DataFrame]:
    """A measured file of one's own, recognised by its columns: DeepBench GEMM (``M, N, K, time_ms``)
    or conv (``fwd_ms``) rows are ``"kernels"``, anything else must be the per-network form
    (``"networks"``, e.g. what ``measure gpu`` writes). Rows carry ``gpu`` and ``measured_ms``."""
    header = set(pd.read_csv(io.StringIO(_read(path)), nrows=0).columns)
    if {"M", "N", "K", "time_ms"} <= header or "fwd_ms" in header:
        return "kernels", load_deepbench("gemm" if "time_ms" in header else "conv", path)
    return "networks", _with_gpu(load_network_measurements(path))


def nb201_measured() -> pd.DataFrame:
    """HELP's NB201 latencies in long form: ``nb201_index, arch_str, device, gpu, batch, precision, latency_ms``."""
    lat = pd.read_csv(io.StringIO(_data("nb201", "latency_ms.csv")))
    archs = pd.read_csv(io.StringIO(_data("nb201", "archs.csv")))
    long = lat.melt(id_vars="nb201_index", var_name="column", value_name="latency_ms")
    long[["device", "batch"]] = long["column"].str.rsplit("_", n=1, expand=True)
    long["batch"] = long["batch"].astype(int)
    long = long.merge(archs, on="nb201_index").drop(columns="column")
    long["gpu"] = long["device"].map(NB201_DEVICES)
    long["precision"] = "fp32"
    long["measured_ms"] = long["latency_ms"]
    return long.sort_values(["device", "batch", "nb201_index"]).reset_index(drop=True)


# -- kernels -------------------------------------------------------------------------------
def _kernel_rows(frame: pd.DataFrame):
    gpus = [get_gpu(g) for g in frame["gpu"]]
    eb = np.array([bytes_per_element(p) for p in frame["precision"]])
    parts = []
    for kind in ("gemm", "conv"):
        sub = frame["kind"].to_numpy() == kind
        if not sub.any():
            continue
        f = frame[sub]
        if kind == "gemm":
            kb = gemm_batch(f.M.to_numpy(), f.N.to_numpy(), f.K.to_numpy(), eb[sub], 1)
        else:
            kb = conv_batch(f.N.to_numpy(), f.C.to_numpy(), f.H.to_numpy(), f.W.to_numpy(), f.K.to_numpy(),
                            f.R_filter_h.to_numpy(), f.S_filter_w.to_numpy(), f.out_h.to_numpy(), f.out_w.to_numpy(),
                            f.stride_h.to_numpy(), f.stride_w.to_numpy(), eb[sub], 1)
        dev, align = device_arrays([g for g, s in zip(gpus, sub, strict=True) if s], list(f["precision"]), len(f),
                                   math=list(f["math"]))
        parts.append((np.flatnonzero(sub), KernelBatch(**{**kb.__dict__, "align_to": align}), dev))
    return parts


@dataclass
class _Prepared:
    parts: list

    def __call__(self, params: GPUModelParams) -> np.ndarray:
        return self._each(params, "seconds", float)

    def algorithms(self, params: GPUModelParams) -> np.ndarray:
        """The algorithm the model costs each row with (names of `ALGORITHMS`)."""
        return np.asarray(ALGORITHMS, dtype=object)[self._each(params, "algorithm", np.int64)]

    def _each(self, params: GPUModelParams, key: str, dtype) -> np.ndarray:
        out = np.empty(sum(len(idx) for idx, _, _ in self.parts), dtype=dtype)
        for idx, kb, dev in self.parts:
            out[idx] = kernel_seconds(kb, dev, params)[key]
        return out


def predict_deepbench(frame: pd.DataFrame, params: GPUModelParams | None = None) -> np.ndarray:
    """Predicted milliseconds of every DeepBench row of ``frame``."""
    return _Prepared(_kernel_rows(frame.reset_index(drop=True)))(params or DEFAULT_PARAMS) * 1e3


def fit_kernel_params(frame: pd.DataFrame, *, start: GPUModelParams | None = None,
                      names: tuple[str, ...] = KERNEL_PARAMS) -> GPUModelParams:
    """Fit the kernel parameters to DeepBench-form rows."""
    frame = frame.reset_index(drop=True)
    return fit_params(_Prepared(_kernel_rows(frame)), frame["measured_ms"].to_numpy() / 1e3, names,
                      start=start or DEFAULT_PARAMS)


def _both() -> pd.DataFrame:
    return pd.concat([load_deepbench("gemm"), load_deepbench("conv")], ignore_index=True)


def lodo_deepbench(frame: pd.DataFrame | None = None, *, start: GPUModelParams | None = None,
                   min_rows: int = 100, held_out: tuple[str, ...] | None = None) -> pd.DataFrame:
    """Leave-one-device-out on DeepBench rows: every row with ``predicted_ms``, ``ape``, ``default_ms``, ``fitted_on``.

    Each device with at least ``min_rows`` rows is held out in turn; the kernel parameters
    for its rows of each library era are fitted on the other devices' rows of the same era
    (all precisions), starting from and regularised towards the a-priori field defaults
    (never the shipped `DEFAULT_PARAMS`, which saw every device); when no other device has
    rows of that era they stay a-priori. Where the rows carry a ``cudnn`` version, that fit
    is then refined, regularised towards it, on the other devices' rows of the same era,
    cuDNN major version and architecture (when they are a strict subset of the era's
    devices). ``fitted_on`` names the devices fitted on;
    ``default_ms`` is the prediction with the unfitted a-priori parameters (datasheet only).
    """
    frame = (_both() if frame is None else frame).reset_index(drop=True)
    counts = frame.groupby("gpu").size()
    frame = frame[frame["gpu"].isin(counts[counts >= min_rows].index)].reset_index(drop=True)
    frame["predicted_ms"] = np.nan
    prior = _a_priori()
    base = GPUModelParams(**{**(start or prior).to_dict(), **{k: getattr(prior, k) for k in KERNEL_PARAMS}})
    if held_out is not None:
        names = {get_gpu(d).name for d in held_out}
        keep = frame["gpu"].isin(names)
    else:
        keep = np.ones(len(frame), dtype=bool)
    frame["fitted_on"] = ""
    frame["predicted_algorithm"] = ""
    cudnn = frame["cudnn"] if "cudnn" in frame else pd.Series(np.nan, index=frame.index)
    fits: dict[tuple, GPUModelParams] = {}

    def fit(train: pd.DataFrame, start_: GPUModelParams) -> GPUModelParams:
        key = (tuple(train.index), start_)
        if key not in fits:
            fits[key] = fit_kernel_params(train, start=start_)
        return fits[key]

    for gpu in sorted(frame.loc[keep, "gpu"].unique()):
        held = frame["gpu"] == gpu
        for (era, version), sub in frame[held].groupby([frame["library"], cudnn], dropna=False):
            rows = frame.index.isin(sub.index)
            train = frame[~held & (frame["library"] == era)]
            params = fit(train, base) if len(train) else base
            on = ", ".join(sorted(train["gpu"].unique())) or "a-priori"
            # Then refined, regularised towards the era's fit, on the other devices that ran
            # the same kernels: the same cuDNN major version (its cuBLAS came with the same
            # CUDA release) on the same architecture (the libraries ship kernels and heuristics
            # per compute capability).
            arch = get_gpu(gpu).architecture
            same = train[(cudnn[train.index] == version)
                         & (train["gpu"].map(lambda g: get_gpu(g).architecture) == arch)]
            if len(same) and same["gpu"].nunique() < train["gpu"].nunique():
                params = fit(same, params)
                on = f"{', '.join(sorted(same['gpu'].unique()))} (cuDNN {int(version)}, {arch}), after {on}"
            prepared = _Prepared(_kernel_rows(frame[rows].reset_index(drop=True)))
            frame.loc[rows, "predicted_ms"] = prepared(params) * 1e3
            frame.loc[rows, "predicted_algorithm"] = prepared.algorithms(params)
            frame.loc[rows, "fitted_on"] = on
    frame = frame[keep].reset_index(drop=True)
    frame["default_ms"] = predict_deepbench(frame, base)
    return _ape(frame)


def _a_priori() -> GPUModelParams:
    """The unfitted a-priori parameters (the field defaults), not the shipped fitted `DEFAULT_PARAMS`.

    Leave-one-device-out starts from and regularises towards these: `DEFAULT_PARAMS`
    were fitted on every device, the held-out one included.
    """
    return GPUModelParams()


def tensor_efficiency_prior() -> float:
    """``tensor_efficiency`` that makes the model (other parameters a-priori) match measured matmul throughput.

    The shipped ``achievable_matmul_tflops.csv`` (stas00/ml-engineering) gives the best
    bf16 matmul TFLOP/s measured on A100 SXM and H100 SXM, and the shape that reached it;
    none of it is DeepBench. The a-priori field default of ``tensor_efficiency`` is this
    value, rounded.

    >>> round(tensor_efficiency_prior(), 2)
    0.99
    """
    from hwcodesign.simulator.gpu.model import predict_gemm

    table = pd.read_csv(io.StringIO(_data("achievable_matmul_tflops.csv")))
    catalog = {"NVIDIA A100 SXM": "A100", "NVIDIA H100 SXM": "H100"}  # the rows whose device the catalog holds
    rows = table[(table["dtype"] == "bf16") & table["accelerator"].isin(catalog)]
    shapes = [tuple(int(x) for x in s.split("x")) for s in rows["best_shape_MxNxK"]]
    measured = np.array([2.0 * m * n * k / (t * 1e12)
                         for (m, n, k), t in zip(shapes, rows["mamf_tflops"], strict=True)])

    def predict(params: GPUModelParams) -> np.ndarray:
        return np.array([predict_gemm(catalog[d], m, n, k, "bf16", params=params)[0]
                         for d, (m, n, k) in zip(rows["accelerator"], shapes, strict=True)])

    return fit_params(predict, measured, ("tensor_efficiency",), start=_a_priori(), prior_weight=0.0).tensor_efficiency


def refit_default_params(seed: int = 0) -> GPUModelParams:
    """Refit the shipped `DEFAULT_PARAMS` from the a-priori field defaults on the shipped data of current libraries.

    Kernel parameters on the DeepBench rows measured with current libraries (CUDA >= 9:
    V100), then framework parameters on 500 random NB201 cells per (GPU, batch 32 and
    256). In-sample by construction: for validation use `lodo_deepbench` and `lodo_nb201`.
    """
    kernels = _both()
    kernel = fit_kernel_params(kernels[kernels["library"] == NB201_LIBRARY], start=_a_priori())
    nb = nb201_measured()
    nb = nb[nb["batch"].isin((32, 256))]
    return fit_network_params(sample_groups(nb, 500, np.random.default_rng(seed)), start=kernel)


def _ape_of(frame: pd.DataFrame, predicted: str = "predicted_ms") -> pd.Series:
    """Absolute percentage error (a fraction) of column ``predicted`` against ``measured_ms``."""
    return (frame[predicted] - frame["measured_ms"]).abs() / frame["measured_ms"]


def _ape(frame: pd.DataFrame) -> pd.DataFrame:
    frame["ape"] = _ape_of(frame)
    return frame


def ape_table(frame: pd.DataFrame, by: list[str] | tuple[str, ...] = ("gpu", "precision"),
              predicted: str = "predicted_ms") -> pd.DataFrame:
    """Median and 90th-percentile absolute percentage error (in %) of column ``predicted`` against
    ``measured_ms`` per group, with row counts."""
    g = frame.assign(_ape=_ape_of(frame, predicted)).groupby(list(by))["_ape"]
    return pd.DataFrame({"rows": g.size(), "median_ape_pct": 100 * g.median(),
                         "p90_ape_pct": 100 * g.quantile(0.9)}).reset_index()


def published_table(frame: pd.DataFrame) -> pd.DataFrame:
    """`ape_table` of published network rows per GPU, workload and framework precision, split into
    batch 1-16 (mostly framework-bound: the host's speed matters) and 32-256, with the median
    signed error (%: + = predicted slower)."""
    frame = frame.assign(batches=np.where(frame["batch"] >= 32, "32-256", "1-16"),
                         signed=frame["predicted_ms"] / frame["measured_ms"] - 1)
    by = ["gpu", "workload", "framework_precision", "batches"]
    table = ape_table(frame, by)
    table["median_signed_pct"] = 100 * frame.groupby(by)["signed"].median().to_numpy()
    return table


#: cuDNN's forward-convolution algorithms (DeepBench's ``fwd_algorithm``) named as the model's
#: `ALGORITHMS`; the model has no FFT.
CUDNN_ALGORITHMS = {"IMPLICIT_GEMM": "implicit_gemm", "IMPLICIT_PRECOMP_GEMM": "implicit_gemm",
                    "GEMM": "implicit_gemm", "WINOGRAD": "winograd", "WINOGRAD_NONFUSED": "winograd_nonfused",
                    "FFT": "fft", "FFT_TILING": "fft", "DIRECT": "direct"}


def algorithm_table(frame: pd.DataFrame) -> pd.DataFrame:
    """How often the model costs a DeepBench conv with the algorithm cuDNN ran.

    ``frame``: rows with ``fwd_algorithm`` (what ``cudnnFindConvolutionForwardAlgorithm``
    measured fastest) and ``predicted_algorithm`` (`lodo_deepbench`). One row per GPU and
    precision: the conv rows that record an algorithm, the % of them the model costs with
    the same one, and per cuDNN algorithm "same/rows".

    Examples
    --------
    >>> rows = pd.DataFrame({"gpu": ["a", "a", "a"], "precision": "fp32", "kind": "conv",
    ...                      "fwd_algorithm": ["WINOGRAD", "WINOGRAD_NONFUSED", "IMPLICIT_PRECOMP_GEMM"],
    ...                      "predicted_algorithm": ["winograd", "winograd", "implicit_gemm"]})
    >>> algorithm_table(rows).iloc[0].to_dict()
    {'gpu': 'a', 'precision': 'fp32', 'rows': 3, 'same_pct': 66.7, 'implicit_gemm': '1/1', 'winograd': '1/1', \
'winograd_nonfused': '0/1'}
    """
    f = frame[(frame["kind"] == "conv") & frame["fwd_algorithm"].fillna("").astype(bool)]
    f = f.assign(cudnn=f["fwd_algorithm"].map(CUDNN_ALGORITHMS))
    f = f.assign(same=f["cudnn"] == f["predicted_algorithm"])
    out = []
    for (gpu, precision), g in f.groupby(["gpu", "precision"]):
        row = {"gpu": gpu, "precision": precision, "rows": len(g), "same_pct": round(100 * g["same"].mean(), 1)}
        for algorithm, h in g.groupby("cudnn"):
            row[algorithm] = f"{int(h['same'].sum())}/{len(h)}"
        out.append(row)
    columns = ["gpu", "precision", "rows", "same_pct"] + [a for a in (*ALGORITHMS, "fft") if a in f["cudnn"].values]
    return pd.DataFrame(out, columns=columns).fillna("")


def spearman(a, b) -> float:
    """Spearman rank correlation (average ranks for ties)."""
    ra = pd.Series(np.asarray(a)).rank().to_numpy()
    rb = pd.Series(np.asarray(b)).rank().to_numpy()
    return float(np.corrcoef(ra, rb)[0, 1])


# -- NB201 networks ---------------------------------------------------------------------------
#: HELP timed the reference PyTorch networks (NAS-Bench-201's ``InferCell``), which run the
#: ``none`` edges (``x.mul(0.)``) and sum every node with Python's ``sum`` (`nb201`'s
#: ``zero_edges="compute"``). Their measured latencies show it: a least-squares fit on the
#: counts of each edge op gives every ``none`` edge a cost (0.25-0.33 ms over 15 cells at
#: batch 32, one kernel's dispatch each; 0.60-0.86 ms at batch 256, a memory-bound kernel).
NB201_ZERO_EDGES = "compute"
#: Edge ops that cost something in the reference network (``skip_connect`` is the input itself).
_NB201_EDGE_OPS = ("nor_conv_3x3", "nor_conv_1x1", "avg_pool_3x3", "none")
_SKIP = "|skip_connect~0|+|skip_connect~0|skip_connect~1|+|skip_connect~0|skip_connect~1|skip_connect~2|"


def _nb201_probe_archs() -> dict[str, str]:
    # In the reference network every node is a sum of all its edges (one kernel per edge),
    # so a cell costs the all-skip cell plus one cost per edge op. These archs isolate each.
    probes = {"skeleton": _SKIP}
    for op in _NB201_EDGE_OPS:
        probes[op] = _SKIP.replace("|skip_connect~0|+", f"|{op}~0|+", 1)
    return probes


def _nb201_counts(arch_strs) -> np.ndarray:
    """Per arch: counts of (conv3x3, conv1x1, avgpool, none) edges."""
    from hwcodesign.workloads.zoo.nb201 import parse_nb201

    cache: dict[str, list[int]] = {}
    ops = np.zeros((len(arch_strs), len(_NB201_EDGE_OPS)))
    for i, s in enumerate(arch_strs):
        if s not in cache:
            names = [op for edges in parse_nb201(s) for op, _ in edges]
            cache[s] = [names.count(op) for op in _NB201_EDGE_OPS]
        ops[i] = cache[s]
    return ops


def _nb201_piece_seconds(gpu: str, batch: int, params: GPUModelParams, precision: str = "fp32") -> np.ndarray:
    """[skeleton, conv3x3, conv1x1, avgpool, none] seconds (network_fixed_s included in skeleton)."""
    spec = get_gpu(gpu)
    lat = {}
    for key, arch in _nb201_probe_archs().items():
        nk = _nb201_lowered(arch, batch, precision)
        lat[key] = network_seconds(nk, spec, params)["total_s"]
    skel = lat["skeleton"]
    return np.array([skel, *(lat[op] - skel for op in _NB201_EDGE_OPS)])


_LOWERED: dict[tuple[str, int, str], Any] = {}


def _nb201_lowered(arch: str, batch: int, precision: str):
    from hwcodesign.simulator.gpu.model import network_kernels
    from hwcodesign.workloads.zoo.nb201 import nb201

    key = (arch, batch, precision)
    if key not in _LOWERED:
        w = nb201(arch, batch=batch, precision=storage_precision(precision), zero_edges=NB201_ZERO_EDGES)
        _LOWERED[key] = network_kernels(w, precision=precision)
    return _LOWERED[key]


def nb201_predict(arch_strs, gpu: str, batch: int, params: GPUModelParams | None = None,
                  precision: str = "fp32") -> np.ndarray:
    """Predicted milliseconds of NB201 networks ``arch_strs`` on ``gpu``, vectorised over archs.

    Exactly `predict_network` on ``nb201(arch, batch=batch, precision=precision,
    zero_edges=NB201_ZERO_EDGES)`` (the network model is a sum over operators), computed
    from five probe networks and per-arch edge-op counts.
    """
    params = params or DEFAULT_PARAMS
    pieces = _nb201_piece_seconds(gpu, batch, params, precision)
    return 1e3 * (pieces[0] + _nb201_counts(list(arch_strs)) @ pieces[1:])


def fit_network_params(measured: pd.DataFrame, *, start: GPUModelParams | None = None,
                       names: tuple[str, ...] = NETWORK_PARAMS) -> GPUModelParams:
    """Fit the framework parameters to NB201-form rows (``arch_str, gpu, batch, measured_ms``)."""
    groups = [(gpu, int(b), _nb201_counts(list(f["arch_str"])), f.index.to_numpy())
              for (gpu, b), f in measured.groupby(["gpu", "batch"])]
    order = np.concatenate([idx for *_, idx in groups])

    def predict(params: GPUModelParams) -> np.ndarray:
        out = []
        for gpu, b, ops, _ in groups:
            pieces = _nb201_piece_seconds(gpu, b, params)
            out.append(pieces[0] + ops @ pieces[1:])
        return np.concatenate(out)

    return fit_params(predict, measured.loc[order, "measured_ms"].to_numpy() / 1e3, names,
                      start=start or DEFAULT_PARAMS)


def sample_groups(frame: pd.DataFrame, size: int, seed: Any = 0, by: tuple[str, ...] = ("gpu", "batch")
                  ) -> pd.DataFrame:
    """At most ``size`` random rows of every ``by`` group of ``frame``."""
    rng = np.random.default_rng(seed)
    picks = [idx[rng.choice(len(idx), size=min(size, len(idx)), replace=False)]
             for idx in frame.groupby(list(by)).indices.values()]
    return frame.iloc[np.sort(np.concatenate(picks))] if picks else frame


def lodo_nb201(measured: pd.DataFrame | None = None, *, start: GPUModelParams | None = None,
               fit_batches: tuple[int, ...] = (32, 256), fit_sample: int = 500, seed: int = 0,
               held_out: tuple[str, ...] | None = None, eval_sample: int | None = None) -> pd.DataFrame:
    """Leave-one-GPU-out on NB201: each GPU predicted with framework parameters fitted on the others.

    The fit uses ``fit_sample`` random archs per (GPU, batch) of ``fit_batches``; the
    evaluation every arch at every batch. Returns every row with ``predicted_ms`` and ``ape``.
    """
    measured = nb201_measured() if measured is None else measured
    start = start or _a_priori()
    kernels = _both()
    kernels = kernels[kernels["library"] == NB201_LIBRARY]
    out = []
    kernel_fits: dict[tuple[str, ...], GPUModelParams] = {}
    gpus = sorted(measured["gpu"].unique()) if held_out is None else [get_gpu(d).name for d in held_out]
    for gpu in gpus:
        # Kernel parameters from the other GPUs' DeepBench rows measured with libraries of
        # the NB201 measurements' era, then the framework parameters from the other GPUs'
        # networks: nothing of the held-out GPU is seen.
        ktrain = kernels[kernels["gpu"] != gpu]
        key = tuple(sorted(ktrain["gpu"].unique()))
        if key not in kernel_fits:  # the same devices for every held-out GPU that has no DeepBench rows
            kernel_fits[key] = fit_kernel_params(ktrain, start=start) if len(ktrain) else start
        kstart = kernel_fits[key]
        train = measured[(measured["gpu"] != gpu) & measured["batch"].isin(fit_batches)]
        # Seeded per held-out GPU, so that its figures do not depend on which others are evaluated.
        rng = np.random.default_rng([seed, zlib.crc32(gpu.encode())])
        params = fit_network_params(sample_groups(train, fit_sample, rng), start=kstart)
        held = measured[measured["gpu"] == gpu].copy()
        if eval_sample is not None:
            held = sample_groups(held, eval_sample, rng).copy()
        held["predicted_ms"] = np.nan
        for b, f in held.groupby("batch"):
            held.loc[f.index, "predicted_ms"] = nb201_predict(f["arch_str"], gpu, int(b), params)
        out.append(held)
    return _ape(pd.concat(out, ignore_index=True))


# -- user files and the validate command ---------------------------------------------------------
def _layer_names(frame: pd.DataFrame) -> pd.Series:
    """The ``layer`` of each per-network row ("" for a whole network; a column of blanks reads as NaN)."""
    if "layer" not in frame:
        return pd.Series([""] * len(frame), index=frame.index)
    return frame["layer"].astype(object).where(frame["layer"].notna(), "").astype(str)


def measured_predictor(frame: pd.DataFrame) -> Callable[[GPUModelParams], np.ndarray]:
    """Seconds of every per-network row of ``frame`` as a function of the parameters.

    ``workload``: a zoo name or workload file, or an NB201 arch string (built as the reference
    PyTorch code runs it, ``zero_edges=NB201_ZERO_EDGES``). A row with a non-empty ``layer``
    (what ``measure gpu`` writes for each operator timed alone) is that operator's
    ``max(GPU time, dispatch)``, the others the whole network's latency, exactly as
    `predict_network` gives them. Each distinct network is built and lowered once, and the NB201
    rows of a (device, batch, precision) go through the five-probe decomposition, so that
    tens of thousands of rows take seconds and fitting (`fit_measured_network_params`) is fast.
    """
    from hwcodesign.workloads import load_workload

    n = len(frame)
    workload = frame["workload"].astype(str).reset_index(drop=True)
    layer = _layer_names(frame).reset_index(drop=True)
    is_nb201 = workload.str.startswith("|")
    if (is_nb201 & (layer != "")).any():
        raise ConfigError("Per-layer rows (a non-empty 'layer') need a zoo workload or workload file, "
                          "not an NB201 arch string.")
    keys = pd.DataFrame({"device": frame["device"].to_numpy(), "batch": frame["batch"].astype(int).to_numpy(),
                         "precision": frame["precision"].to_numpy(), "workload": workload.where(~is_nb201, "")})
    nb201_groups, network_groups = [], []
    for (device, batch, precision, name), idx in keys.groupby(list(keys.columns), sort=False).indices.items():
        gpu = get_gpu(device)
        if name == "":
            nb201_groups.append((idx, gpu.name, int(batch), str(precision), _nb201_counts(list(workload.iloc[idx]))))
            continue
        w = load_workload(name, precision=storage_precision(precision)).with_batch(int(batch))
        nk = network_kernels(w, precision=precision)
        position = {op: i for i, op in enumerate(nk.names)}
        wanted = layer.iloc[idx]
        unknown = sorted(set(wanted) - set(position) - {""})
        if unknown:
            raise ConfigError(f"Layer(s) {', '.join(map(repr, unknown[:5]))} are not operators of workload {name!r} "
                              f"(it has {len(position)}, e.g. {', '.join(nk.names[:3])}).")
        rows = np.array([position.get(op, -1) for op in wanted])
        network_groups.append((idx, gpu, nk, rows, w))  # w keeps nk's cache entry alive

    def predict(params: GPUModelParams) -> np.ndarray:
        out = np.empty(n)
        for idx, gpu_name, batch, precision, counts in nb201_groups:
            pieces = _nb201_piece_seconds(gpu_name, batch, params, precision)
            out[idx] = pieces[0] + counts @ pieces[1:]
        for idx, gpu, nk, rows, _ in network_groups:
            s = network_seconds(nk, gpu, params)
            out[idx] = np.where(rows < 0, s["total_s"], s["latency_s"][rows])
        return out

    return predict


def predict_measured(frame: pd.DataFrame, params: GPUModelParams | None = None) -> np.ndarray:
    """Predicted ms of per-network rows (see `measured_predictor`), with ``params`` (default `DEFAULT_PARAMS`)."""
    return measured_predictor(frame)(params or DEFAULT_PARAMS) * 1e3


def fit_measured_network_params(frame: pd.DataFrame, *, start: GPUModelParams | None = None,
                                names: tuple[str, ...] = NETWORK_PARAMS) -> GPUModelParams:
    """Fit the framework parameters to per-network rows (``measured_ms`` or ``latency_ms``), e.g. one's
    own host's ``measure gpu`` files: dispatch costs are the host's, not the GPU's."""
    measured = frame["measured_ms"] if "measured_ms" in frame else frame["latency_ms"]
    return fit_params(measured_predictor(frame), measured.to_numpy(dtype=float) / 1e3, names,
                      start=start or DEFAULT_PARAMS)


@dataclass(frozen=True)
class GPUValidation:
    """Every measured row with ``predicted_ms`` and ``ape``, and the summary tables."""

    rows: pd.DataFrame
    tables: dict[str, pd.DataFrame]


def validate_gpu(measured: str | Path | None = None, *, device: str | None = None) -> GPUValidation:
    """Leave-one-device-out on the shipped data, or `DEFAULT_PARAMS` on a user ``measured`` file.

    The shipped run also predicts the published network latencies (`published_measured`)
    with `DEFAULT_PARAMS`, which were fitted on none of them (V100 DeepBench kernels, HELP's
    NB201 networks): an out-of-sample check on GPUs and networks outside the fits.

    A user file is recognised by its columns: DeepBench GEMM (``M, N, K, time_ms``),
    DeepBench conv (``fwd_ms``) or per-network (``workload, latency_ms``).
    """
    tables: dict[str, pd.DataFrame] = {}
    if measured is None:
        db = lodo_deepbench()
        nb = lodo_nb201()
        if device is not None:
            name = get_gpu(device).name
            db, nb = db[db["gpu"] == name], nb[nb["gpu"] == name]
        tables["deepbench"] = ape_table(db, ("gpu", "precision", "kind"))
        tables["deepbench_all"] = ape_table(db, ("gpu", "precision"))
        tables["deepbench_datasheet_defaults"] = ape_table(db, ("gpu", "precision"), predicted="default_ms")
        tables["deepbench_conv_algorithm"] = algorithm_table(db)
        nbt = ape_table(nb, ("gpu", "batch"))
        nbt["spearman"] = [spearman(f.predicted_ms, f.measured_ms) for _, f in nb.groupby(["gpu", "batch"])]
        tables["nb201"] = nbt
        pub = published_measured()
        if device is not None:
            pub = pub[pub["gpu"] == name]
        pub = _ape(pub.assign(predicted_ms=predict_measured(pub)).reset_index(drop=True))
        tables["published_networks"] = published_table(pub)
        rows = pd.concat([db.assign(dataset="deepbench"), nb.assign(dataset="nb201"),
                          pub.assign(dataset="published")], ignore_index=True)
        return GPUValidation(rows, tables)
    form, frame = load_measured(measured)
    frame["predicted_ms"] = predict_deepbench(frame) if form == "kernels" else predict_measured(frame)
    if device is not None:
        frame = frame[frame["gpu"] == get_gpu(device).name]
    frame = _ape(frame.reset_index(drop=True))
    if "layer" in frame:  # measure gpu's files: whole networks and single operators apart
        frame["level"] = np.where(_layer_names(frame) == "", "network", "layer")
    tables["measured"] = ape_table(frame, ("gpu", "precision", "level") if "level" in frame else ("gpu", "precision"))
    return GPUValidation(frame, tables)


def plot_predicted_vs_measured(frame: pd.DataFrame, ax: Any, *, hue: str = "gpu") -> Any:
    """Scatter predicted vs measured ms (log-log) on ``ax``, one colour per ``hue``, with the
    diagonal and dashed +-15% lines (the issue's error bar); returns ``ax``."""
    size = 6 if len(frame) < 5000 else 1
    for key, f in frame.groupby(hue):
        ax.scatter(f["measured_ms"], f["predicted_ms"], s=size, alpha=0.6, label=str(key))
    lo = float(min(frame["measured_ms"].min(), frame["predicted_ms"].min()))
    hi = float(max(frame["measured_ms"].max(), frame["predicted_ms"].max()))
    ax.plot([lo, hi], [lo, hi], color="k", lw=0.8)
    for factor in (0.85, 1.15):
        ax.plot([lo, hi], [lo * factor, hi * factor], color="k", lw=0.6, ls="--")
    ax.set_xscale("log")
    ax.set_yscale("log")
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    for axis in (ax.xaxis, ax.yaxis):  # plain numbers; 1-2-5 steps when the range spans few decades
        axis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0) if hi / lo < 300 else (1.0,)))
        axis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:g}"))
        axis.set_minor_formatter(NullFormatter())
    ax.set_xlabel("measured latency (ms)")
    ax.set_ylabel("predicted latency (ms)")
    ax.legend(fontsize="small", markerscale=6 / size)
    return ax


#: Panel titles of `plot_validation`, by ``dataset`` (the column `validate_gpu` gives its rows).
_PANELS = {"deepbench": "DeepBench kernels, leave-one-device-out", "nb201": "NB201 networks, leave-one-GPU-out",
           "published": "published networks, out of sample", "measured": "your measured rows, shipped parameters"}


def plot_validation(rows: pd.DataFrame, path: str | Path) -> Path:
    """Save predicted-vs-measured scatter plots of `validate_gpu` rows to ``path`` (one panel per
    dataset: DeepBench, NB201, published; a user file's rows in one panel), colour per GPU.

    Draws on its own `matplotlib.figure.Figure`, so pyplot's state and backend are left alone.
    """
    from matplotlib.figure import Figure

    present = set(rows["dataset"]) if "dataset" in rows else {"measured"}
    datasets = [d for d in _PANELS if d in present]
    fig = Figure(figsize=(5.2 * len(datasets), 5))
    for ax, name in zip(fig.subplots(1, len(datasets), squeeze=False)[0], datasets, strict=True):
        frame = rows[rows["dataset"] == name] if "dataset" in rows else rows
        plot_predicted_vs_measured(frame, ax, hue="gpu")
        ax.set_title(f"{_PANELS[name]}\nmedian APE {100 * frame['ape'].median():.1f}% ({len(frame):,} rows)",
                     fontsize="medium")
    fig.tight_layout()
    path = Path(path)
    try:
        fig.savefig(path, dpi=110)
    except OSError as exc:
        raise ConfigError(f"Cannot write {str(path)!r}: {exc}") from None
    return path
