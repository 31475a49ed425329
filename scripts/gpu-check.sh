#!/usr/bin/env bash
# On a machine with a GPU (see docs/inference.md, "GPU hosts"): CPU vs WebGPU for the shipped
# model and the slow test model — speed-up, warm-up, output agreement, peak GPU memory — and
# bench:infer's pipeline/bare ratio on both providers. Installs nothing and needs no network:
# run it from a checkout with node_modules in place.
set -euo pipefail
cd "$(dirname "$0")/.."
TSX=node_modules/.bin/tsx
[ -x "$TSX" ] || { echo "node_modules missing: run npm ci (or carry node_modules over) first" >&2; exit 2; }

echo "# GPU"
nvidia-smi --query-gpu=index,name,driver_version,memory.total --format=csv,noheader || echo "nvidia-smi not found"
echo "# WebGPU prerequisites"
"$TSX" -e "import('./src/inference/index.ts').then(m => m.checkWebGpu()).then(() => console.log('WebGPU adapter found'), (e) => { console.log(e.message); process.exit(3); })"

SLOW_DIR=$(mktemp -d)
trap 'rm -rf "$SLOW_DIR"' EXIT
"$TSX" tools/onnx-model/make-slow-model.ts "$SLOW_DIR/slow" >/dev/null

echo; echo "# CPU vs WebGPU"
BENCH_MODELS_DIR=models BENCH_MODEL=shapes-v1 "$TSX" bench/inference/gpu-compare.ts
BENCH_MODELS_DIR="$SLOW_DIR" BENCH_MODEL=slow BENCH_STEPS=5 "$TSX" bench/inference/gpu-compare.ts

for provider in cpu webgpu; do
  echo; echo "# bench:infer pipeline/bare ratio on $provider (shapes-v1, then the slow model)"
  DIFFSCOPE_EXECUTION_PROVIDER=$provider "$TSX" bench/inference/pipeline.bench.ts | grep -E 'ratio|per image'
  DIFFSCOPE_EXECUTION_PROVIDER=$provider BENCH_MODELS_DIR="$SLOW_DIR" BENCH_MODEL=slow BENCH_STEPS=5 BENCH_ROUNDS=4 "$TSX" bench/inference/pipeline.bench.ts | grep -E 'ratio|per image'
done
