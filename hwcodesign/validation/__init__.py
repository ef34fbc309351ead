"""Validation against published reference points (sources in ``data/README.md``).

==================  =====================================================================
module              what it holds
==================  =====================================================================
`references`        loaders of the shipped data files (`importlib.resources`)
`timeloop_mapping`  Timeloop loop nests -> our `Mapping` (loop names, levels, spatial axes)
`comparison`        tidy ours-vs-theirs rows, their text table
`timeloop`          the Timeloop/Accelergy Eyeriss-like exercise, AlexNet CONV1
`cosa`              the CoSA repository's Simba-like ResNet-50 run
`eyeriss`           `eyeriss_like` on AlexNet CONV1-5, batch 4, vs the chip (JSSC 2017)
`gpu`               the GPU model vs DeepBench kernels and NB201 networks, leave-one-device-out
`measure`           per-layer and whole-network latency measured with PyTorch (optional)
==================  =====================================================================

``hwcodesign validate timeloop|cosa|eyeriss|gpu|all`` prints the tables (``all`` is all
but ``gpu``); ``README.md`` here and ``docs/gpu_validation.md`` record the results.
"""
