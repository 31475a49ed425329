#!/usr/bin/env bash
# Retrain the shipped default model shapes-v1 end to end with one command:
#   tools/default-model/retrain.sh [minutes=120]
# Installs Debian's CPU PyTorch/ONNX if missing, trains (resumable: re-run to continue),
# evaluates with the pixel reader, exports to models/shapes-v1, and checks the export
# against onnxruntime-node. Env: CKPT_DIR (default ~/.cache/diffscope-train), OUT, EVAL_N.
set -euo pipefail

MINUTES="${1:-120}"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
CKPT_DIR="${CKPT_DIR:-$HOME/.cache/diffscope-train}"
OUT="${OUT:-$ROOT/models/shapes-v1}"
EVAL_N="${EVAL_N:-48}"
# Debian's interpreter explicitly: python3-torch belongs to it, not to another python3 on PATH.
PY=/usr/bin/python3

if ! "$PY" -c 'import torch, onnx, numpy' 2>/dev/null; then
  echo "installing python3-torch python3-onnx python3-numpy (apt)"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y python3-torch python3-onnx python3-numpy
fi

mkdir -p "$CKPT_DIR"
cd "$ROOT"
echo "training for $MINUTES minutes (checkpoint $CKPT_DIR/ckpt.pt, log $CKPT_DIR/train.log)"
nice -n 15 "$PY" "$HERE/train.py" --ckpt "$CKPT_DIR/ckpt.pt" --minutes "$MINUTES" 2>&1 | tee -a "$CKPT_DIR/train.log"

echo "evaluating on $EVAL_N prompts"
"$PY" "$HERE/evaluate.py" --ckpt "$CKPT_DIR/ckpt.pt" --n "$EVAL_N" --json "$CKPT_DIR/eval.json" --grid "$CKPT_DIR/eval-grid.png"

"$PY" -c "import json,sys; r=json.load(open(sys.argv[1])); json.dump({k: r[k] for k in ('n','sampler','steps','cfg_scale','rates','reader')}, open(sys.argv[2],'w'))" \
  "$CKPT_DIR/eval.json" "$CKPT_DIR/eval-summary.json"
"$PY" "$HERE/export.py" --ckpt "$CKPT_DIR/ckpt.pt" --out "$OUT" --results "$CKPT_DIR/eval-summary.json" --ref-dir "$CKPT_DIR/export-ref"
node "$HERE/check-export.mjs" "$OUT" "$CKPT_DIR/export-ref"
du -sh "$OUT"
echo "done: $OUT (render the README grid with: npx tsx scripts/render-model-grid.ts)"
