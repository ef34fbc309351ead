"""Dataflow templates with memory hierarchies: Eyeriss, NVDLA, ShiDianNao, Edge TPU, Simba.

Each is registered in `TEMPLATES` next to the systolic family. Their levels are named
``rf`` (per-PE register files), ``glb`` (the global buffer) and ``dram`` wherever the
design has them; a per-PE or per-core level exists once per PE (its instance count
follows from the `SpatialSpec`). Published figures are cited in each docstring; every
other number is marked *assumed*.

=====================  ==================================================================
template               what it is
=====================  ==================================================================
``eyeriss_like``       Eyeriss v1: 12 x 14 PEs, row stationary, 108 KiB GLB, 16-bit, 65 nm
``nvdla_like``         NVDLA nv_full: 64 (C) x 32 (K) int8 MACs, weight stationary, 512 KiB CBUF
``shidiannao_like``    ShiDianNao: 8 x 8 PEs, output stationary, NBin/SB/NBout, 16-bit, 65 nm
``edge_tpu_like``      Coral Edge TPU: 64 x 64 int8 systolic array, 500 MHz, 8 MiB SRAM
``simba_like``         one Simba chiplet: 16 PEs (cores) x 8 lanes x 8-wide vector MACs, 16 nm
=====================  ==================================================================

Examples
--------
>>> acc = eyeriss_like()
>>> acc.num_pes, acc.dataflow, [lv.name for lv in acc.levels()]
(168, 'rs', ['rf', 'glb', 'dram'])
>>> acc.buffer("rf").operand_bytes  # 12-, 224- and 24-word spads of 16-bit words
(24, 448, 48)
"""

from __future__ import annotations

from hwcodesign.accelerators.area import AreaTable
from hwcodesign.accelerators.energy import EnergyTable
from hwcodesign.accelerators.spatial import SpatialDim, SpatialSpec
from hwcodesign.accelerators.specs import Accelerator, BufferSpec, DRAMSpec, PEArraySpec
from hwcodesign.accelerators.templates import TEMPLATES

__all__ = ["eyeriss_like", "nvdla_like", "shidiannao_like", "edge_tpu_like", "simba_like"]


@TEMPLATES.register("eyeriss_like")
def eyeriss_like(
    *,
    name: str = "eyeriss_like",
    rows: int = 12,
    cols: int = 14,
    glb_bytes: int | str = "108 KiB",
    glb_banks: int = 27,
    ifmap_spad_words: int = 12,
    filter_spad_words: int = 224,
    psum_spad_words: int = 24,
    dram_bandwidth_bytes_per_cycle: float = 2.4,
    dram_latency_cycles: int = 0,
    overlapped_fills: bool = True,
    clock_hz: float | str = "200 MHz",
    word_bytes: int = 2,
    psum_bytes: int | None = None,
    tech_node_nm: float = 65.0,
    energy: EnergyTable | None = None,
    area: AreaTable | None = None,
) -> Accelerator:
    """Eyeriss v1 (Y.-H. Chen et al., ISCA 2016 and IEEE JSSC 52(1), 2017): row stationary.

    Published: 12 x 14 = 168 PEs, 16-bit fixed point, 65 nm, 200 MHz core clock for the
    AlexNet measurements; per-PE scratchpads of 12 ifmap words, 224 filter words and 24
    partial-sum words; a 108 KB global buffer holding ifmaps and partial sums (filters
    go from DRAM to the spads over the NoC, bypassing it); a 64-bit off-chip bus at a
    60 MHz link clock, i.e. 480 MB/s = 2.4 bytes per 200 MHz cycle. Assumed: 27 GLB
    banks of 4 KiB; no DRAM latency. The array's rows unroll filter rows R (replicated
    over channels C or filters K) and its columns output rows P (or filters, or
    samples); the NoC multicasts and reduces partial sums along columns. The spads and the
    GLB have ``overlapped_fills`` (PE I/O FIFOs decouple delivery from compute; the ifmap
    spad is a sliding window), so fills do not stall the array (JSSC 2017 Table V
    comparison: `hwcodesign.validation.eyeriss`). ``pe_array``'s
    systolic dataflow ('ws') is only what the systolic engine approximates it with.

    Examples
    --------
    >>> acc = eyeriss_like()
    >>> acc.buffer("glb").size_bytes
    110592
    >>> acc.buffer_instances("rf"), round(acc.clock_hz / 1e6)
    (168, 200)
    """
    spads = (ifmap_spad_words * word_bytes, filter_spad_words * word_bytes, psum_spad_words * word_bytes)
    return Accelerator(
        name=name, template="eyeriss_like",
        pe_array=PEArraySpec(rows=rows, cols=cols, dataflow="ws"),
        buffers=(BufferSpec(name="rf", size_bytes=sum(spads), operands=("ifmap", "filter", "ofmap"),
                            operand_bytes=spads, overlapped_fills=overlapped_fills),
                 BufferSpec(name="glb", size_bytes=glb_bytes, operands=("ifmap", "ofmap"), banks=glb_banks,
                            overlapped_fills=overlapped_fills)),
        dram=DRAMSpec(bandwidth_bytes_per_cycle=dram_bandwidth_bytes_per_cycle, latency_cycles=dram_latency_cycles),
        spatial=SpatialSpec(dims=(SpatialDim(name="rows", size=rows, loops=("R", "C", "K"), above="glb"),
                                  SpatialDim(name="cols", size=cols, loops=("P", "K", "N"), above="glb")),
                            dataflow="rs"),
        clock_hz=clock_hz, word_bytes=word_bytes, psum_bytes=psum_bytes, tech_node_nm=tech_node_nm, vector_lanes=cols,
        energy=EnergyTable() if energy is None else energy, area=AreaTable() if area is None else area,
    )


@TEMPLATES.register("nvdla_like")
def nvdla_like(
    *,
    name: str = "nvdla_like",
    atomic_c: int = 64,
    atomic_k: int = 32,
    cbuf_bytes: int | str = "512 KiB",
    cbuf_banks: int = 16,
    cacc_bytes: int | str = "64 KiB",
    dram_bandwidth_bytes_per_cycle: float = 64.0,
    dram_latency_cycles: int = 100,
    clock_hz: float | str = "1 GHz",
    word_bytes: int = 1,
    psum_bytes: int | None = None,
    tech_node_nm: float = 28.0,
    energy: EnergyTable | None = None,
    area: AreaTable | None = None,
) -> Accelerator:
    """NVDLA ``nv_full`` (NVIDIA Deep Learning Accelerator, nvdla.org hardware manual and ``nv_full.spec``).

    Published: 2048 int8 MACs as Atomic-C = 64 input channels by Atomic-K = 32 output
    channels, weight stationary (each MAC holds a weight; inputs are broadcast over K,
    products reduced over C by adder trees); a 512 KiB convolution buffer (CBUF) of 16
    banks holding activations and weights; a 512-bit memory interface (64 B/cycle).
    Assumed: 1 GHz, 28 nm (NVDLA is a soft IP with no fixed node), 64 KiB of
    accumulator SRAM (CACC) for partial sums, 100-cycle DRAM latency. Levels: ``rf``
    (one weight register per MAC), ``glb`` (``cbuf`` and ``cacc`` side by side), ``dram``.

    Examples
    --------
    >>> acc = nvdla_like()
    >>> acc.num_pes, [b.name for b in acc.levels()[1].buffers]
    (2048, ['cbuf', 'cacc'])
    """
    return Accelerator(
        name=name, template="nvdla_like",
        pe_array=PEArraySpec(rows=atomic_c, cols=atomic_k, dataflow="ws"),
        buffers=(BufferSpec(name="rf", size_bytes=word_bytes, operands=("filter",)),
                 BufferSpec(name="cbuf", size_bytes=cbuf_bytes, operands=("ifmap", "filter"), banks=cbuf_banks,
                            level="glb"),
                 BufferSpec(name="cacc", size_bytes=cacc_bytes, operands=("ofmap",), level="glb")),
        dram=DRAMSpec(bandwidth_bytes_per_cycle=dram_bandwidth_bytes_per_cycle, latency_cycles=dram_latency_cycles),
        spatial=SpatialSpec(dims=(SpatialDim(name="atomic_c", size=atomic_c, loops=("k",), above="glb"),
                                  SpatialDim(name="atomic_k", size=atomic_k, loops=("n",), above="glb")),
                            dataflow="ws"),
        clock_hz=clock_hz, word_bytes=word_bytes, psum_bytes=psum_bytes, tech_node_nm=tech_node_nm, vector_lanes=atomic_k,
        energy=EnergyTable() if energy is None else energy, area=AreaTable() if area is None else area,
    )


@TEMPLATES.register("shidiannao_like")
def shidiannao_like(
    *,
    name: str = "shidiannao_like",
    rows: int = 8,
    cols: int = 8,
    nbin_bytes: int | str = "64 KiB",
    sb_bytes: int | str = "128 KiB",
    nbout_bytes: int | str = "64 KiB",
    fifo_words: int = 8,
    dram_bandwidth_bytes_per_cycle: float = 4.0,
    dram_latency_cycles: int = 0,
    clock_hz: float | str = "1 GHz",
    word_bytes: int = 2,
    psum_bytes: int | None = None,
    tech_node_nm: float = 65.0,
    energy: EnergyTable | None = None,
    area: AreaTable | None = None,
) -> Accelerator:
    """ShiDianNao (Z. Du et al., "ShiDianNao: shifting vision processing closer to the sensor", ISCA 2015).

    Published: 8 x 8 PEs, 16-bit fixed point, 1 GHz, 65 nm; NBin 64 KB (input neurons),
    SB 128 KB (synapses), NBout 64 KB (output neurons); output stationary: each PE
    accumulates one output neuron while inputs shift between neighbouring PEs (FIFO-H,
    FIFO-V) and each synapse is broadcast to all PEs. Assumed: ``fifo_words`` = 8 input
    words per PE; ShiDianNao keeps whole CNNs on chip and has no DRAM, so the DRAM
    channel (4 B/cycle) only matters for layers that do not fit.

    Examples
    --------
    >>> shidiannao_like().sram_bytes  # 256 KiB of buffers plus 64 PEs x 18 bytes of registers
    263296
    """
    return Accelerator(
        name=name, template="shidiannao_like",
        pe_array=PEArraySpec(rows=rows, cols=cols, dataflow="os"),
        buffers=(BufferSpec(name="rf", size_bytes=(fifo_words + 1) * word_bytes, operands=("ifmap", "ofmap"),
                            operand_bytes=(fifo_words * word_bytes, word_bytes)),
                 BufferSpec(name="nbin", size_bytes=nbin_bytes, operands=("ifmap",), level="glb"),
                 BufferSpec(name="sb", size_bytes=sb_bytes, operands=("filter",), level="glb"),
                 BufferSpec(name="nbout", size_bytes=nbout_bytes, operands=("ofmap",), level="glb")),
        dram=DRAMSpec(bandwidth_bytes_per_cycle=dram_bandwidth_bytes_per_cycle, latency_cycles=dram_latency_cycles),
        spatial=SpatialSpec(dims=(SpatialDim(name="rows", size=rows, loops=("P", "m"), above="glb"),
                                  SpatialDim(name="cols", size=cols, loops=("Q", "m"), above="glb")),
                            dataflow="os", reduction=False),
        clock_hz=clock_hz, word_bytes=word_bytes, psum_bytes=psum_bytes, tech_node_nm=tech_node_nm, vector_lanes=cols,
        energy=EnergyTable() if energy is None else energy, area=AreaTable() if area is None else area,
    )


@TEMPLATES.register("edge_tpu_like")
def edge_tpu_like(
    *,
    name: str = "edge_tpu_like",
    rows: int = 64,
    cols: int = 64,
    glb_bytes: int | str = "8 MiB",
    double_buffered: bool = True,
    dram_bandwidth_bytes_per_cycle: float = 1.0,
    dram_latency_cycles: int = 500,
    clock_hz: float | str = "500 MHz",
    word_bytes: int = 1,
    psum_bytes: int | None = None,
    tech_node_nm: float = 28.0,
    energy: EnergyTable | None = None,
    area: AreaTable | None = None,
) -> Accelerator:
    """A Google Coral Edge TPU-like systolic array (Coral datasheets and Edge TPU compiler documentation).

    Published: 4 TOPS int8 (2 TOPS per watt); about 8 MB of on-chip SRAM caching the
    model's parameters; host memory over PCIe Gen2 x1 (500 MB/s, i.e. 1 byte per
    500 MHz cycle) on the M.2 and mini-PCIe modules. Assumed: a 64 x 64 weight-stationary
    array at 500 MHz (4096 MACs x 2 ops x 500 MHz = 4.1 TOPS), one shared
    double-buffered ``glb``, 28 nm, 1 us host latency. Its PE array is systolic (no
    `SpatialSpec`), so both the systolic and the analytical engine run it.

    Examples
    --------
    >>> acc = edge_tpu_like()
    >>> acc.peak_macs_per_second * 2 / 1e12
    4.096
    """
    return Accelerator(
        name=name, template="edge_tpu_like",
        pe_array=PEArraySpec(rows=rows, cols=cols, dataflow="ws"),
        buffers=(BufferSpec(name="glb", size_bytes=glb_bytes, operands=("ifmap", "filter", "ofmap"),
                            double_buffered=double_buffered),),
        dram=DRAMSpec(bandwidth_bytes_per_cycle=dram_bandwidth_bytes_per_cycle, latency_cycles=dram_latency_cycles),
        clock_hz=clock_hz, word_bytes=word_bytes, psum_bytes=psum_bytes, tech_node_nm=tech_node_nm, vector_lanes=cols,
        energy=EnergyTable() if energy is None else energy, area=AreaTable() if area is None else area,
    )


@TEMPLATES.register("simba_like")
def simba_like(
    *,
    name: str = "simba_like",
    cores: int = 16,
    lanes: int = 8,
    vector_width: int = 8,
    weight_buffer_bytes: int | str = "32 KiB",
    input_buffer_bytes: int | str = "8 KiB",
    accum_buffer_bytes: int | str = "3 KiB",
    glb_bytes: int | str = "64 KiB",
    double_buffered: bool = True,
    dram_bandwidth_bytes_per_cycle: float = 32.0,
    dram_latency_cycles: int = 100,
    clock_hz: float | str = "1.8 GHz",
    word_bytes: int = 1,
    psum_bytes: int | None = None,
    tech_node_nm: float = 16.0,
    energy: EnergyTable | None = None,
    area: AreaTable | None = None,
) -> Accelerator:
    """One chiplet of Simba (Y. S. Shao et al., MICRO 2019), a multi-core accelerator.

    Published: 16 nm; per chiplet 16 PEs (the cores, a 4 x 4 mesh) and a 64 KB global PE
    buffer holding activations; per PE 8 vector MAC lanes of 8 int8 MACs (64 MACs), a
    32 KB weight buffer, an 8 KB input buffer and a 3 KB accumulation buffer (24-bit
    partial sums); 128 TOPS for the 36-chiplet package, i.e. about 1.8 GHz
    (128e12 / (36 x 1024 x 2)). Assumed: 32 B/cycle and 100 cycles to DRAM (the package
    links are not modelled), weights streamed from DRAM to the PE weight buffers (they
    bypass the global buffer). Levels: ``pe_buf`` (weight, input and accumulation
    buffers, one set per core), ``glb``, ``dram``. Spatial: ``cores`` fan out from
    ``glb`` over any loop; ``lanes`` (output channels) and ``vector`` (input channels)
    from ``pe_buf``.

    Examples
    --------
    >>> acc = simba_like()
    >>> acc.num_pes, acc.buffer_instances("weight_buf"), acc.buffer_instances("glb")
    (1024, 16, 1)
    """
    return Accelerator(
        name=name, template="simba_like",
        pe_array=PEArraySpec(rows=cores, cols=lanes * vector_width, dataflow="ws"),
        buffers=(BufferSpec(name="weight_buf", size_bytes=weight_buffer_bytes, operands=("filter",), level="pe_buf",
                            double_buffered=double_buffered),
                 BufferSpec(name="input_buf", size_bytes=input_buffer_bytes, operands=("ifmap",), level="pe_buf",
                            double_buffered=double_buffered),
                 BufferSpec(name="accum_buf", size_bytes=accum_buffer_bytes, operands=("ofmap",), level="pe_buf"),
                 BufferSpec(name="glb", size_bytes=glb_bytes, operands=("ifmap", "ofmap"),
                            double_buffered=double_buffered)),
        dram=DRAMSpec(bandwidth_bytes_per_cycle=dram_bandwidth_bytes_per_cycle, latency_cycles=dram_latency_cycles),
        spatial=SpatialSpec(dims=(SpatialDim(name="cores", size=cores, loops=(), above="glb"),
                                  SpatialDim(name="lanes", size=lanes, loops=("n",), above="pe_buf"),
                                  SpatialDim(name="vector", size=vector_width, loops=("k",), above="pe_buf")),
                            dataflow="ws"),
        clock_hz=clock_hz, word_bytes=word_bytes, psum_bytes=psum_bytes, tech_node_nm=tech_node_nm, vector_lanes=lanes * vector_width,
        energy=EnergyTable() if energy is None else energy, area=AreaTable() if area is None else area,
    )
