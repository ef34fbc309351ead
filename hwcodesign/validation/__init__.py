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
==================  =====================================================================

``hwcodesign validate timeloop|cosa|eyeriss|all`` prints the tables; ``README.md`` here
records the results.
"""
