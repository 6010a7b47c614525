#!/usr/bin/env bash
# The paper-length MNIST reproduction behind docs/reproduction.md (about 16 min per seed on 2 CPU cores).
# Usage: scripts/reproduce.sh [SEED ...]   (default seeds 0 1 2); data root from $INFOGAN_DATA.
set -euo pipefail
cd "$(dirname "$0")/.."
INFOGAN=.venv/bin/infogan
DATA=${INFOGAN_DATA:+--data-dir $INFOGAN_DATA}
seeds=${*:-0 1 2}

for seed in $seeds; do
  run=runs/mnist-seed$seed
  if [ -f $run/checkpoint.pt ]; then resume="--resume $run"; else resume="--out $run --seed $seed --log-every 10 --eval-every 250"; fi
  $INFOGAN train $resume $DATA --quiet
  $INFOGAN evaluate $run $DATA | tee $run/eval.txt
done

# Figure 1's baseline: the same network and Q head, G not rewarded for the information term.
run=runs/mnist-baseline
if [ -f $run/checkpoint.pt ]; then resume="--resume $run"; else resume="--out $run --info-weight-g 0 --steps 1000 --log-every 10 --eval-every 250"; fi
$INFOGAN train $resume $DATA --quiet
$INFOGAN evaluate $run $DATA | tee $run/eval.txt

make docs-figures
