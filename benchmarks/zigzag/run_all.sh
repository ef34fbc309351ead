#!/usr/bin/env bash
# Full ZigZag runs (ResNet-18 + MobileNetV2 on tpu_like + edge_tpu_like), one after the other so that the
# single-threaded searches do not compete for cores. Results go to benchmarks/zigzag/results/.
set -euo pipefail
mkdir -p "$(dirname "$0")/results"
cd "$(dirname "$0")/../.."
PY=${ZIGZAG_PYTHON:-.venv-zigzag/bin/python}
for net in resnet18 mobilenet_v2; do
  for hw in tpu_like edge_tpu_like; do
    "$PY" benchmarks/zigzag/run_zigzag.py --network "$net" --hardware "$hw" "$@" 2>&1 \
      | grep --line-buffered -v '^WARNING:zigzag' | tee "benchmarks/zigzag/results/${net}__${hw}.log"
  done
done
