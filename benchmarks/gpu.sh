#!/usr/bin/env bash
# Every GPU figure of docs/performance.md and docs/reproduction.md, in one call on a lent GPU machine
# (7 minutes on one H100). Each step has a time cap; results go to OUT as they come.
# Usage: benchmarks/gpu.sh DATA_ROOT OUT [SWEEP_SEEDS]     (python3 must hold torch with CUDA)
set -u
DATA=$1 OUT=$2 SEEDS=${3:-0-11}
export PYTHONPATH=$PWD/src PYTHONUNBUFFERED=1
mkdir -p "$OUT"
{ nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
  python3 -c "import torch; print('torch', torch.__version__, torch.cuda.get_device_name())"; } > "$OUT/device.txt" 2>&1

# 1. torchrun with NCCL and SyncBatchNorm, then a resume (one GPU: one process)
{ timeout 60 torchrun --nproc_per_node=1 -m infogan train --out /tmp/nccl --steps 40 --device cuda --sync-batchnorm \
    --data-dir "$DATA" --eval-every 0 --log-every 20 --quiet &&
  timeout 40 torchrun --nproc_per_node=1 -m infogan train --resume /tmp/nccl --steps 60 --quiet &&
  tail -n 1 /tmp/nccl/metrics.jsonl; echo "exit $?"; } > "$OUT/torchrun.txt" 2>&1

# 2. throughput: reference, its tricks and the package's loop
timeout 150 python3 benchmarks/throughput.py --device cuda --steps 200 \
  --tricks reuse,fused-adam,channels-last,bf16,compile,cuda-graphs --json "$OUT/throughput.json" > "$OUT/throughput.txt" 2>&1

# 3. time to 95 % with the defaults
timeout 130 python3 benchmarks/time_to_accuracy.py --data-dir "$DATA" --seeds 0,1,2 --json "$OUT/time_to_accuracy.json" \
  -- --device cuda > "$OUT/time_to_accuracy.txt" 2>&1

# 4. the defaults over many seeds, all at once, with what time is left
timeout $((585 - SECONDS)) python3 scripts/sweep.py --variants docs/sweep/default.json --seeds "$SEEDS" --jobs 16 \
  --summary "$OUT/sweep.jsonl" --workdir /tmp/sweep -- --steps 5000 --eval-every 250 --data-dir "$DATA" \
  --device cuda --threads 1 > "$OUT/sweep.txt" 2>&1
(cd /tmp/sweep && tar -czf "$OUT/sweep_metrics.tgz" */metrics.jsonl)
cat "$OUT"/*.txt
