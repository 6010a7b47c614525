#!/usr/bin/env bash
# The GPU figures beyond MNIST, in one call on a lent GPU machine: every network's images/s (rendering
# inline, then from the render cache), and faces3d / chairs3d trainings side by side for the time left,
# each stopped by SIGTERM (which saves its checkpoint), evaluated and traversed. Results go to OUT.
# Usage: [SCORES=1] [RESERVE_S=S] [RUNS_FILE=F] benchmarks/gpu_factors.sh OUT [DEVICE] [DEADLINE_S]   (python3 must hold torch with CUDA)
# The device returns at most 64 MiB, so the 198 MB faces checkpoints stay there: everything is measured there.
set -u
OUT=$1 DEVICE=${2:-cuda} DEADLINE=${3:-570}
export PYTHONPATH=$PWD/src PYTHONUNBUFFERED=1 XDG_CACHE_HOME=/tmp/infogan-xdg
RUNS=/tmp/gpu-runs PACK=/tmp/gpu-pack
rm -rf "$RUNS" "$PACK"; mkdir -p "$OUT" "$RUNS" "$PACK"
{ nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
  python3 -c "import os, torch; print('torch', torch.__version__, torch.cuda.get_device_name() if torch.cuda.is_available() else 'no GPU', os.cpu_count(), 'cores')"
} > "$OUT/device.txt" 2>&1

# 1. every network, rendering inside each update (nothing else running)
timeout 70 python3 benchmarks/throughput.py --networks --device "$DEVICE" --steps 20 --json "$OUT/networks.json" > "$OUT/networks.txt" 2>&1

# 2. the training splits of faces3d and chairs3d rendered once on every core; then their networks read from it
timeout 60 python3 -c "
import time
from infogan.data.faces3d import Faces3D
from infogan.data.chairs3d import Chairs3D
from infogan.data.prerendered import attach_render_cache
for cls in (Faces3D, Chairs3D):
    start = time.perf_counter(); path = attach_render_cache(cls('train'))
    print(f'{cls.name} train split rendered into {path} in {time.perf_counter() - start:.1f} s')
" > "$OUT/render_cache.txt" 2>&1
timeout 40 python3 benchmarks/throughput.py --networks --only faces,chairs --render-cache --device "$DEVICE" --steps 20 \
  --json "$OUT/networks_cached.json" > "$OUT/networks_cached.txt" 2>&1

# 3. trainings side by side for the time left (RESERVE_S, default 125 s, is kept for evaluating and packing)
RESERVE=${RESERVE_S:-125}
TRAIN=$((DEADLINE - SECONDS - RESERVE)); [ "$TRAIN" -lt 20 ] && TRAIN=20
echo "training for $TRAIN s from second $SECONDS" > "$OUT/runs.txt"
train() {
  local name=$1; shift
  timeout -s TERM "$TRAIN" python3 -m infogan train --out "$RUNS/$name" --device "$DEVICE" --threads 1 --render-cache \
    --steps 200000 --eval-every 1000 --checkpoint-every 5000 --sample-every 2000 --quiet "$@" > "$RUNS/$name.log" 2>&1 &
}
if [ -n "${RUNS_FILE:-}" ]; then  # one run a line: NAME FLAGS... (names starting with "chairs" get 12 traversal columns)
  while read -r name flags; do [ -n "$name" ] && [[ $name != \#* ]] && train "$name" $flags; done < "$RUNS_FILE"
else  # the runs of docs/experiments.md, "On one H100"
  CHAIRS_A="--preset chairs-rotation --network sprites --codes cat:12,cont:3 --lambda-cont 0.2 --lr-d 2e-4 --lr-g 5e-4 --batch-size 64"
  train faces-s2 --preset faces-azimuth --seed 2
  train faces-s3 --preset faces-azimuth --seed 3
  train faces5-noise10-s1 --preset faces-azimuth --noise 10 --seed 1
  train faces5-noise10-s2 --preset faces-azimuth --noise 10 --seed 2
  train chairs-A-s1 $CHAIRS_A --seed 1
  train chairs-paper-s0 --preset chairs-rotation --seed 0
fi
wait

# 4. each run evaluated and traversed: the factor x code table and the bounds; the disentanglement scores
# take minutes a run, so they are skipped unless SCORES=1 (then give evaluation more of the time: RESERVE_S)
[ "${SCORES:-0}" = 1 ] && SCORE_FLAGS="--dci-model hist" || SCORE_FLAGS="--no-scores"
for run in "$RUNS"/*/; do
  name=$(basename "$run"); columns=9; [[ $name == chairs* ]] && columns=12
  { OMP_NUM_THREADS=2 timeout $((RESERVE - 35)) python3 -m infogan evaluate "$run" $SCORE_FLAGS > "$RUNS/$name.evaluate.txt" 2>&1
    timeout 20 python3 -m infogan traverse "$run" --columns $columns --scale 1 > /dev/null 2>&1; } &
done
wait

# 5. everything small comes back in one archive; checkpoints that fit (the sprites network's 6 MB) in another
for run in "$RUNS"/*/; do
  name=$(basename "$run"); mkdir -p "$PACK/$name"
  cp "$run"/metrics.jsonl "$run"/config.json "$run"/eval.json "$PACK/$name/" 2>/dev/null
  cp -r "$run"/figures "$PACK/$name/" 2>/dev/null
  cp "$RUNS/$name.evaluate.txt" "$PACK/$name/evaluate.txt" 2>/dev/null
  tr '\r' '\n' < "$RUNS/$name.log" | tail -n 5 > "$PACK/$name/log_tail.txt"
  python3 -c "
import json, sys
rows = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
scored = [row for row in rows if any(key.startswith('factor_') for key in row)]
print(sys.argv[2], 'updates', rows[-1]['step'] if rows else 0, 'images/s', round(rows[-1]['images_per_s']) if rows else '-',
      'last check', {k: round(v, 2) for k, v in scored[-1].items() if k.startswith(('step', 'factor_'))} if scored else '-')
" "$run/metrics.jsonl" "$name" >> "$OUT/runs.txt" 2>&1
done
tar -C "$PACK" -czf "$OUT/runs.tgz" .
small=(); total=0  # checkpoints small enough to come back (the device returns files of at most 16 MiB)
for checkpoint in "$RUNS"/*/checkpoint.pt; do
  size=$(stat -c %s "$checkpoint" 2>/dev/null || echo 0); name=$(basename "$(dirname "$checkpoint")")
  [ "$size" -gt 0 ] && [ $((total + size)) -lt 15000000 ] && { small+=("$name/checkpoint.pt" "$name/config.json"); total=$((total + size)); }
done
[ ${#small[@]} -gt 0 ] && tar -C "$RUNS" -czf "$OUT/small_checkpoints.tgz" "${small[@]}"
cat "$OUT"/*.txt
echo "done at second $SECONDS"
