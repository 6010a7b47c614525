#!/usr/bin/env bash
# The runs behind docs/experiments.md: the paper's faces and chairs presets on the rendered data,
# Fashion-MNIST with the MNIST settings, then evaluation, traversal figures and summary tables.
# Usage: scripts/experiments.sh [JOBS]   (data root for Fashion-MNIST in $INFOGAN_DATA; runs go to runs/)
# JOBS runs go side by side, one torch thread each (default 2, one per core of the development machine).
set -euo pipefail
cd "$(dirname "$0")/.."
JOBS=${JOBS:-${1:-2}}
BIN=${INFOGAN:-.venv/bin/infogan} PY=${PY:-.venv/bin/python}
FACES_STEPS=${FACES_STEPS:-3000} CHAIRS_STEPS=${CHAIRS_STEPS:-600} FASHION_STEPS=${FASHION_STEPS:-2000}

run() {  # run NAME FLAGS...: train into runs/NAME (or resume it), then evaluate it
  local name=$1; shift
  if [ -f "runs/$name/checkpoint.pt" ]; then "$BIN" train --resume "runs/$name" --quiet "$@" || true
  else "$BIN" train --out "runs/$name" --threads 1 --eval-every 250 --quiet "$@"; fi
  "$BIN" evaluate "runs/$name" > "runs/$name/evaluate.txt"
}
continue_run() {  # continue_run FROM NAME FLAGS...: a copy of runs/FROM, resumed as runs/NAME with new settings, then evaluated
  local from=$1 name=$2; shift 2
  [ -d "runs/$name" ] || cp -r "runs/$from" "runs/$name"
  "$BIN" train --resume "runs/$name" --quiet "$@" || true
  "$BIN" evaluate "runs/$name" > "runs/$name/evaluate.txt"
}
export -f run continue_run; export BIN

{
  echo "run faces-azimuth-s0 --preset faces-azimuth --seed 0 --steps $FACES_STEPS"
  echo "run faces-lighting-s0 --preset faces-lighting --seed 0 --steps $FACES_STEPS"
  echo "run faces-elevation-s0 --preset faces-elevation --seed 0 --steps $FACES_STEPS"
  echo "run fashion-s0 --dataset fashion-mnist --seed 0 --steps $FASHION_STEPS"
  echo "run chairs-rotation-s0 --preset chairs-rotation --seed 0 --steps $CHAIRS_STEPS --batch-size 64"
  echo "run faces-azimuth-s1 --preset faces-azimuth --seed 1 --steps $FACES_STEPS"
  echo "run faces-elevation-s1 --preset faces-elevation --seed 1 --steps $FACES_STEPS"
  # after the faces3d width fix: the azimuth preset, 8,000 updates (run as 5,000, then --resume to 8,000)
  echo "run faces8k-azimuth-s0 --preset faces-azimuth --seed 0 --steps 8000 --eval-every 500"
  echo "run faces8k-azimuth-s1 --preset faces-azimuth --seed 1 --steps 8000 --eval-every 500"
  # both seeds continued (run as resumes: a resumed run ends bit for bit as a straight one); seed 0 stopped at 17,000
  echo "run faces20k-azimuth-s1 --preset faces-azimuth --seed 1 --steps 20000 --eval-every 500"
  echo "run faces17k-azimuth-s0 --preset faces-azimuth --seed 0 --steps 17000 --eval-every 500"
  # chairs3d on the small dSprites network: three pilots, then pilot A continued (stopped at update 15,843)
  echo "run chairs-sn-pilotA --preset chairs-rotation --network sprites --codes cat:12,cont:3 --lambda-cont 0.2 --lr-d 2e-4 --lr-g 5e-4 --batch-size 64 --seed 0 --steps 15843 --eval-every 500"
  echo "run chairs-sn-pilotB --preset chairs-rotation --network sprites --codes cont:5 --lambda-cont 0.2 --lr-d 2e-4 --lr-g 5e-4 --batch-size 64 --seed 0 --steps 2000 --eval-every 500"
  echo "run chairs-sn-pilotC --preset sprites --dataset chairs3d --seed 0 --steps 1500 --eval-every 500"
} | xargs -P "$JOBS" -I{} bash -c {}

# seed 1's update-20,000 checkpoint continued two ways, side by side: learning rates divided by 4
# (stopped with SIGTERM at 24,317), and InfoGAN-CR's contrastive term switched on (weight 2, ramped
# in over 500 updates; stopped at 25,002); then a four-code pilot of the azimuth preset
{
  echo "continue_run faces20k-azimuth-s1 faces-s1-lowlr --steps 24317 --lr-d 5e-5 --lr-g 1.25e-4"
  echo "continue_run faces20k-azimuth-s1 faces-s1-cr --steps 25002 --cr-weight 2 --cr-start 20000 --cr-ramp 500 --lr-cr 2e-3"
  echo "run faces4-azimuth-s1 --preset faces-azimuth --codes cont:4 --seed 1 --steps 6000 --eval-every 500"
} | xargs -P "$JOBS" -I{} bash -c {}
[ -d runs/faces4-azimuth-s1-at6000 ] || cp -r runs/faces4-azimuth-s1 runs/faces4-azimuth-s1-at6000  # the four-code pilot at update 6,000, as the "three more tries" section scores it

# the four-code recipe on two seeds (seed 1 resumed from 6,000; both stopped with SIGTERM), a chairs
# pilot with the appendix's three Cat(20) codes (SIGTERM at 4,796), the elevation preset on the current renderer
{
  echo "run faces4-azimuth-s1 --steps 10281"
  echo "run faces4-azimuth-s0 --preset faces-azimuth --codes cont:4 --seed 0 --steps 6729 --eval-every 500"
  echo "run chairs-sn-3cat --preset chairs-rotation --network sprites --codes cat:20,cat:20,cat:20,cont:3 --lambda-cont 0.2 --lr-d 2e-4 --lr-g 5e-4 --batch-size 64 --seed 0 --steps 4796 --eval-every 500"
  echo "run faces3k-elevation-s0 --preset faces-elevation --seed 0 --steps 3453 --eval-every 500"
} | xargs -P "$JOBS" -I{} bash -c {}

# angle codes for chairs3d (the first with the angle weighted as the interval codes, 0.2; the second
# with --lambda-circ 1), faces3d's four-code recipe with 10 noise dimensions and with lambda 1 (stopped
# early to free its core), and the four-code seed 1 continued under the Hessian penalty; all stopped with SIGTERM
{
  echo "run chairs-circ-s0 --preset chairs-rotation --network sprites --codes cat:12,circ:1,cont:2 --lambda-cont 0.2 --lambda-circ 0.2 --lr-d 2e-4 --lr-g 5e-4 --batch-size 64 --seed 0 --steps 4056 --eval-every 500"
  echo "run chairs-circ1-s0 --preset chairs-rotation --network sprites --codes cat:12,circ:1,cont:2 --lambda-cont 0.2 --lambda-circ 1 --lr-d 2e-4 --lr-g 5e-4 --batch-size 64 --seed 0 --steps 6779 --eval-every 500"
  echo "run faces4-noise10-s1 --preset faces-azimuth --codes cont:4 --noise 10 --seed 1 --steps 6471 --eval-every 500"
  echo "run faces4-lambda1-s1 --preset faces-azimuth --codes cont:4 --lambda-cont 1 --seed 1 --steps 1093 --eval-every 500"
  echo "continue_run faces4-azimuth-s1 faces4-s1-hessian --steps 11254 --hessian-weight 1e-3"
} | xargs -P "$JOBS" -I{} bash -c {}
[ -d runs/faces4-noise10-s1-at6471 ] || cp -r runs/faces4-noise10-s1 runs/faces4-noise10-s1-at6471
"$BIN" train --resume runs/faces4-noise10-s1 --threads 2 --steps 9929 --quiet || true  # then continued alone on both cores
"$BIN" evaluate runs/faces4-noise10-s1 > runs/faces4-noise10-s1/evaluate.txt

for run in runs/faces-*-s[0-9] runs/faces8k-*-s[0-9] runs/faces20k-*-s[0-9] runs/faces4-azimuth-s1 runs/chairs-sn-pilotA; do  # chairs-rotation-s0 generated no chairs
  "$BIN" traverse "$run" --out "docs/figures/$(basename "$run")" --columns 9 --scale 1
done
"$PY" scripts/summarize_factors.py runs/faces-*-s[0-9] --factors azimuth,elevation,lighting,width
"$PY" scripts/summarize_factors.py runs/faces8k-azimuth-s0 runs/faces8k-azimuth-s1 --factors azimuth,elevation,lighting,width
"$PY" scripts/summarize_factors.py runs/faces20k-azimuth-s1 runs/faces17k-azimuth-s0 --factors azimuth,elevation,lighting,width
"$PY" scripts/summarize_factors.py runs/faces-s1-lowlr runs/faces-s1-cr runs/faces4-azimuth-s1-at6000 --factors azimuth,elevation,lighting,width
for run in runs/faces20k-azimuth-s1 runs/faces17k-azimuth-s0 runs/faces-s1-cr runs/faces4-azimuth-s1-at6000; do
  "$PY" scripts/factor_profile.py "$run" --factor azimuth
done
"$PY" scripts/factor_profile.py runs/faces20k-azimuth-s1 --factor width --split-by azimuth
"$PY" scripts/supervised_ceiling.py faces3d --train 40000 --epochs 3 --split-by azimuth
"$PY" scripts/supervised_ceiling.py chairs3d --network sprites --train 20000 --epochs 4 --split-by azimuth
"$PY" scripts/factor_profile.py runs/chairs-sn-pilotA --factor width --split-by azimuth
"$PY" scripts/refit_encoder.py runs/faces4-azimuth-s1-at6000 --steps 2000 --report-every 500
for run in runs/faces4-azimuth-s1 runs/faces4-azimuth-s0; do
  "$PY" scripts/factor_profile.py "$run" --factor azimuth
  "$PY" scripts/factor_profile.py "$run" --factor width --split-by azimuth
done
"$PY" scripts/summarize_factors.py runs/faces4-azimuth-s1 runs/faces4-azimuth-s0 --factors azimuth,elevation,lighting,width
"$PY" scripts/summarize_factors.py runs/faces3k-elevation-s0 --factors azimuth,elevation,lighting,width
"$PY" scripts/summarize_factors.py runs/chairs-*-s[0-9] --factors azimuth,width
"$PY" scripts/summarize_factors.py runs/chairs-sn-pilotA --factors style,azimuth,width
"$PY" scripts/summarize_factors.py runs/faces4-noise10-s1-at6471 runs/faces4-noise10-s1 runs/faces4-lambda1-s1 runs/faces4-s1-hessian --factors azimuth,elevation,lighting,width
"$PY" scripts/summarize_factors.py runs/chairs-circ-s0 runs/chairs-circ1-s0 --factors style,azimuth,width
"$BIN" traverse runs/chairs-circ1-s0 --out docs/figures/chairs-circ1-s0 --columns 12 --scale 1
"$BIN" traverse runs/faces4-noise10-s1-at6471 --out docs/figures/faces4-noise10-s1 --columns 9 --scale 1
"$PY" scripts/summarize_runs.py runs/fashion-s0

# session 8: instance noise (stopped with SIGTERM), a second seed of ten noise dimensions (about
# 400 updates, stopped and resumed; the resumed run ends as a straight one), a spare fifth code,
# and chairs3d with an angle code as the only code for rotation
{
  echo "run faces4-noise10-inoise0.1-s1 --preset faces-azimuth --codes cont:4 --noise 10 --instance-noise 0.1 --seed 1 --steps 4973 --eval-every 500"
  echo "run faces4-noise10-s0 --preset faces-azimuth --codes cont:4 --noise 10 --seed 0 --steps 7182 --eval-every 500"
  echo "run faces5-noise10-s1 --preset faces-azimuth --codes cont:5 --noise 10 --seed 1 --steps 6398 --eval-every 500"
  echo "run chairs-circ-w1-s0 --preset chairs-rotation --network sprites --codes cat:12,circ:1,cont:1 --lambda-cont 0.2 --lambda-circ 1 --lr-d 2e-4 --lr-g 5e-4 --batch-size 64 --seed 0 --steps 5934 --eval-every 500"
} | xargs -P "$JOBS" -I{} bash -c {}
for run in runs/faces4-noise10-s1 runs/faces4-s1-hessian runs/faces4-noise10-inoise0.1-s1; do
  "$PY" scripts/code_robustness.py "$run" --sigmas 0,0.01,0.03,0.1,0.2
done
"$PY" scripts/code_robustness.py runs/chairs-sn-pilotA --n 500
"$PY" scripts/code_robustness.py runs/chairs-circ-w1-s0
"$PY" scripts/summarize_factors.py runs/faces4-noise10-s0 runs/faces4-noise10-s1-at6471 runs/faces5-noise10-s1 runs/faces4-noise10-inoise0.1-s1 --factors azimuth,elevation,lighting,width
"$PY" scripts/summarize_factors.py runs/chairs-circ-w1-s0 --factors style,azimuth,width
"$BIN" traverse runs/faces4-noise10-s0 --out docs/figures/faces4-noise10-s0 --columns 9 --scale 1

# session 9, on a lent H100 (docs/experiments.md, "On one H100"): `bash benchmarks/gpu_factors.sh OUT cuda 570`
# trained six runs side by side for 343 s; the four faces runs were then resumed for 170 s more
# (`infogan train --resume RUN`) and scored with `infogan evaluate RUN --no-scores`. The same runs
# by update count, for a machine with a GPU (GPU=1; far too long for the CPU):
if [ "${GPU:-0}" = 1 ]; then
  {
    echo "run h100-faces-s2 --preset faces-azimuth --seed 2 --steps 17630 --eval-every 1000 --render-cache --device cuda"
    echo "run h100-faces-s3 --preset faces-azimuth --seed 3 --steps 17631 --eval-every 1000 --render-cache --device cuda"
    echo "run h100-faces5-noise10-s1 --preset faces-azimuth --noise 10 --seed 1 --steps 17732 --eval-every 1000 --render-cache --device cuda"
    echo "run h100-faces5-noise10-s2 --preset faces-azimuth --noise 10 --seed 2 --steps 17437 --eval-every 1000 --render-cache --device cuda"
    echo "run h100-chairs-A-s1 --preset chairs-rotation --network sprites --codes cat:12,cont:3 --lambda-cont 0.2 --lr-d 2e-4 --lr-g 5e-4 --batch-size 64 --seed 1 --steps 7542 --eval-every 1000 --render-cache --device cuda"
    echo "run h100-chairs-paper-s0 --preset chairs-rotation --seed 0 --steps 6500 --eval-every 1000 --render-cache --device cuda"
  } | xargs -P 6 -I{} bash -c {}
  "$PY" scripts/summarize_factors.py runs/h100-faces-s2 runs/h100-faces-s3 runs/h100-faces5-noise10-s1 runs/h100-faces5-noise10-s2 --factors azimuth,elevation,lighting,width
fi
# then on the CPU: chairs with ten noise dimensions and, after a GPU=1 run, the GPU's chairs-A-s1 resumed
# (both stopped with SIGTERM in the session)
run chairs-noise10-s0 --preset chairs-rotation --network sprites --codes cat:12,cont:4 --noise 10 --lambda-cont 0.2 --lr-d 2e-4 \
  --lr-g 5e-4 --batch-size 64 --seed 0 --steps 18496 --eval-every 1000 --render-cache
"$PY" scripts/summarize_factors.py runs/chairs-noise10-s0 --factors style,azimuth,width
if [ -d runs/h100-chairs-A-s1 ]; then
  continue_run h100-chairs-A-s1 chairs-A-s1 --device cpu --threads 1 --render-cache --steps 25779
  "$PY" scripts/summarize_factors.py runs/chairs-A-s1 --factors style,azimuth,width
fi

# session 10 (docs/experiments.md, "Mode seeking, a categorical code and the Hessian penalty"): each run was
# stopped with SIGTERM; --steps is where it stopped. The pilots from update 0 first, then the control to
# update 3,000 and the branches resumed from a copy of it with one setting switched on.
{
  echo "run faces4-noise10-ms1-s1 --preset faces-azimuth --codes cont:4 --noise 10 --mode-seeking 1 --seed 1 --steps 2954 --eval-every 500 --render-cache"
  echo "run faces4-noise10-ms025-s1 --preset faces-azimuth --codes cont:4 --noise 10 --mode-seeking 0.25 --seed 1 --steps 2887 --eval-every 500 --render-cache"
  echo "run faces4-noise10-ms002-s1 --preset faces-azimuth --codes cont:4 --noise 10 --mode-seeking 0.02 --seed 1 --steps 3050 --eval-every 500 --render-cache"
  echo "run faces-cat10-cont4-noise10-s1 --preset faces-azimuth --codes cat:10,cont:4 --noise 10 --seed 1 --steps 3064 --eval-every 500 --render-cache"
  echo "run faces-cat10-cont5-s1 --preset faces-azimuth --codes cat:10,cont:5 --seed 1 --steps 3001 --eval-every 500 --render-cache"
  echo "run faces4-noise10-s1-at3000 --preset faces-azimuth --codes cont:4 --noise 10 --seed 1 --steps 3000 --eval-every 500 --render-cache"
  echo "run faces4-noise10-s1-at4824 --preset faces-azimuth --codes cont:4 --noise 10 --seed 1 --steps 4824 --eval-every 500 --render-cache"
} | xargs -P "$JOBS" -I{} bash -c {}
{
  echo "continue_run faces4-noise10-s1-at3000 faces4-noise10-s1-ms002-from3000 --mode-seeking 0.02 --steps 4340"
  echo "continue_run faces4-noise10-s1-at3000 faces4-noise10-s1-hessian-from3000 --hessian-weight 3e-3 --steps 8224"
  echo "continue_run faces4-noise10-s1-at3000 faces4-noise10-s1-hessian1e-2-from3000 --hessian-weight 1e-2 --steps 9552"
} | xargs -P "$JOBS" -I{} bash -c {}
"$PY" scripts/factor_profile.py runs/faces4-noise10-s1-at3000 --factor azimuth --within identity --n 10000
"$PY" scripts/summarize_factors.py runs/faces4-noise10-s1-hessian-from3000 runs/faces4-noise10-s1-hessian1e-2-from3000 \
  --factors azimuth,elevation,lighting,width
for run in runs/faces4-noise10-s1-at3000 runs/faces4-noise10-ms1-s1 runs/faces4-noise10-ms025-s1 runs/faces4-noise10-ms002-s1 \
    runs/faces4-noise10-s1-ms002-from3000 runs/faces-cat10-cont4-noise10-s1 runs/faces-cat10-cont5-s1; do
  "$PY" scripts/code_robustness.py "$run" --n 300 --sigmas 0
done
"$BIN" traverse runs/faces4-noise10-ms025-s1 --out docs/figures/faces4-noise10-ms025-s1 --columns 9 --scale 1
# (the doc took this run's traversal, width profile and noise ratio at update 8,074, before it was resumed to 9,552)
"$BIN" traverse runs/faces4-noise10-s1-hessian1e-2-from3000 --out docs/figures/faces4-noise10-s1-hessian1e-2 --columns 9 --scale 1
for run in runs/faces4-noise10-s1-at4824 runs/faces4-noise10-s1-hessian1e-2-from3000; do
  "$PY" scripts/factor_profile.py "$run" --factor width --split-by azimuth
done

# session 11 (docs/experiments.md, "Where G puts each factor"): the factor reader on G's images, first on
# session 10's runs, then on this session's; each run was stopped with SIGTERM, --steps is where it stopped.
READER=runs/faces3d-reader.pt  # trained by the first call (20,000 training faces, 3 epochs), then reused
for run in faces4-noise10-s1-at3000 faces4-noise10-s1-at4824 faces4-noise10-s1-hessian-from3000 \
    faces4-noise10-s1-hessian1e-2-from3000 faces4-noise10-ms002-s1 faces4-noise10-s1-ms002-from3000 faces-cat10-cont5-s1; do
  "$PY" scripts/generator_factors.py "runs/$run" --reader "$READER"
done
{
  echo "run faces4-noise10-hess3e-3-s1 --preset faces-azimuth --codes cont:4 --noise 10 --hessian-weight 3e-3 --seed 1 --steps 2150 --eval-every 500 --render-cache"
  echo "run faces4-noise10-hess3e-3-s0 --preset faces-azimuth --codes cont:4 --noise 10 --hessian-weight 3e-3 --seed 0 --steps 1255 --eval-every 500 --render-cache"
  echo "run faces4-noise10-hessnoise3e-3-s1 --preset faces-azimuth --codes cont:4 --noise 10 --hessian-weight 3e-3 --hessian-noise --seed 1 --steps 2754 --eval-every 500 --render-cache"
  echo "run faces4-noise0-s1 --preset faces-azimuth --codes cont:4 --noise 0 --seed 1 --steps 3964 --eval-every 500 --render-cache"
  echo "continue_run faces4-noise10-s1-at3000 faces4-noise10-s1-hessnoise3e-3-from3000 --hessian-weight 3e-3 --hessian-noise --steps 5091"
} | xargs -P "$JOBS" -I{} bash -c {}
for run in faces4-noise10-hess3e-3-s1 faces4-noise10-hessnoise3e-3-s1 faces4-noise0-s1 faces4-noise10-s1-hessnoise3e-3-from3000; do
  "$PY" scripts/generator_factors.py "runs/$run" --reader "$READER"
done
# the Hessian penalty where G ignores its noise (128 dimensions, four codes), and chairs3d
run faces4-hess3e-3-s1 --preset faces-azimuth --codes cont:4 --hessian-weight 3e-3 --seed 1 --steps 4802 --eval-every 500 --render-cache
"$PY" scripts/generator_factors.py runs/faces4-hess3e-3-s1 --reader "$READER"
CHAIRS_A=(--preset chairs-rotation --network sprites --lambda-cont 0.2 --lr-d 2e-4 --lr-g 5e-4 --batch-size 64 --seed 0 --eval-every 1000 --render-cache)
# (generator_factors read chairs-A-s0's checkpoints at updates 3,000 and 12,000 while it ran, and the angle-code
# run's at 4,500, before it was stopped at about 4,800)
run chairs-A-s0 "${CHAIRS_A[@]}" --codes cat:12,cont:3 --steps 12831
run chairs-circ1-cont3-s0 "${CHAIRS_A[@]}" --codes circ:1,cont:3 --lambda-circ 1 --steps 4500
run chairs-cont4-s0 "${CHAIRS_A[@]}" --codes cont:4 --steps 8417
"$PY" scripts/generator_factors.py runs/chairs-cont4-s0 --reader runs/chairs3d-reader.pt
"$BIN" train --resume runs/chairs-cont4-s0 --threads 2 --steps 19963 --quiet
"$BIN" evaluate runs/chairs-cont4-s0 > runs/chairs-cont4-s0/evaluate.txt
for run in chairs-A-s0 chairs-circ1-cont3-s0 chairs-cont4-s0; do
  "$PY" scripts/generator_factors.py "runs/$run" --reader runs/chairs3d-reader.pt
done

# session 12 (docs/experiments.md, "How hard Q's term pulls"): Q's Gaussian with a fixed std against the learned
# one, the information weight, and InfoGAN-CR's term from the start; all on the faces-azimuth preset, seed 1.
# Each run was stopped with SIGTERM; --steps is where it stopped.
run faces-fixed-l1-s1 --preset faces-azimuth --fixed-std --lambda-cont 1 --seed 1 --steps 5000 --eval-every 500 --render-cache
cp -r runs/faces-fixed-l1-s1 runs/faces-fixed-l1-s1-at5000
"$PY" scripts/generator_factors.py runs/faces-fixed-l1-s1-at5000 --reader "$READER"
"$BIN" train --resume runs/faces-fixed-l1-s1 --steps 5165 --quiet  # (stopped there to free a core)
run faces4-fixed-l1-s1 --preset faces-azimuth --codes cont:4 --fixed-std --lambda-cont 1 --seed 1 --steps 3264 --eval-every 500 --render-cache
run faces-l1-s1 --preset faces-azimuth --lambda-cont 1 --seed 1 --steps 4105 --eval-every 500 --render-cache
"$PY" scripts/generator_factors.py runs/faces-l1-s1 --reader "$READER"
run faces-cr-s1 --preset faces-azimuth --cr-weight 2 --cr-start 500 --cr-ramp 500 --lr-cr 2e-3 --seed 1 --steps 3293 --eval-every 500 --render-cache
"$PY" scripts/generator_factors.py runs/faces-cr-s1 --reader "$READER"
# (resumed alone on both cores from update 4,842: "$BIN" train --resume runs/faces-fixed-l20-s1 --threads 2)
run faces-fixed-l20-s1 --preset faces-azimuth --fixed-std --lambda-cont 20 --seed 1 --steps 20000 --eval-every 500 --render-cache
"$PY" scripts/generator_factors.py runs/faces-fixed-l20-s1 --reader "$READER"
"$PY" scripts/factor_profile.py runs/faces-fixed-l20-s1 --factor width --split-by azimuth
"$PY" scripts/factor_profile.py runs/faces-fixed-l20-s1 --factor azimuth
"$PY" scripts/summarize_factors.py runs/faces-fixed-l1-s1-at5000 runs/faces-l1-s1 runs/faces-cr-s1 runs/faces-fixed-l20-s1 --factors azimuth,elevation,lighting,width
for preset in mnist faces-azimuth; do  # image_spread early in training (metrics.jsonl)
  "$BIN" train --preset "$preset" --steps 150 --log-every 25 --eval-every 0 --threads 2 --quiet --out "runs/spread-$preset" --render-cache
done
"$BIN" train --preset sprites --steps 1000 --eval-every 0 --quiet --out runs/spread-sprites --render-cache
"$PY" scripts/image_spread.py runs/faces-fixed-l1-s1-at5000 runs/faces4-noise10-s1-at4824 runs/faces4-noise10-hess3e-3-s1 \
  runs/faces4-hess3e-3-s1 runs/chairs-A-s0 runs/chairs-cont4-s0 runs/faces-l1-s1 runs/faces4-noise10-hess3e-3-s0

# session 13 (docs/experiments.md, "What the width code follows on turned heads"): what each earlier run's
# codes follow within the thirds of the faces by |azimuth|, then eight codes on two seeds and a control whose
# identities share one skull depth (the three trainings ran side by side here). Each run was stopped with
# SIGTERM; --steps is where it stopped.
for run in runs/faces-fixed-l20-s1 runs/faces-fixed-l1-s1 runs/faces4-hess3e-3-s1 runs/faces4-noise10-s1-at4824 \
    runs/faces4-noise10-s1-hessian1e-2-from3000; do
  "$PY" scripts/head_outline.py "$run"
done
"$PY" scripts/generator_factors.py runs/faces-fixed-l20-s1 --reader "$READER" --split-by azimuth
{
  echo "run faces8c-s1 --preset faces-azimuth --codes cont:8 --seed 1 --steps 15000 --eval-every 500 --render-cache"
  echo "run faces8c-s0 --preset faces-azimuth --codes cont:8 --seed 0 --steps 6400 --eval-every 500 --render-cache"
} | xargs -P "$JOBS" -I{} bash -c {}
[ -f runs/faces-onedepth-s1/checkpoint.pt ] || "$PY" scripts/one_skull_depth.py train --preset faces-azimuth --seed 1 \
  --steps 10982 --threads 1 --eval-every 500 --render-cache --quiet --out runs/faces-onedepth-s1
"$PY" scripts/one_skull_depth.py evaluate runs/faces-onedepth-s1 --no-scores > runs/faces-onedepth-s1/evaluate.txt
"$PY" scripts/head_outline.py runs/faces-onedepth-s1 --one-skull-depth
for run in runs/faces8c-s1 runs/faces8c-s0; do
  "$PY" scripts/head_outline.py "$run"
  "$PY" scripts/generator_factors.py "$run" --reader "$READER" --split-by azimuth
done
"$PY" scripts/factor_profile.py runs/faces8c-s1 --factor azimuth
mkdir -p docs/figures/faces8c-s1
for v in 0 1; do  # the width code c6 with the azimuth code c7 frontal (0) and turned (1)
  "$BIN" traverse runs/faces8c-s1 --code c7=$v --range -1 1 --columns 9 --out "runs/faces8c-s1/figures-c7-$v"
  cp "runs/faces8c-s1/figures-c7-$v/traverse_c6.png" "docs/figures/faces8c-s1/traverse_c6_azimuth$v.png"
done
"$PY" scripts/summarize_factors.py runs/faces8c-s1 runs/faces8c-s0 runs/faces-onedepth-s1 --factors azimuth,elevation,lighting,width

# session 14 (docs/experiments.md, "chairs3d: InfoGAN-CR and the invariance term"): pilot A's recipe with the
# contrastive term, with the invariance term, with both, and four continuous codes with the contrastive term
# (two trainings side by side). Each run was stopped with SIGTERM; --steps is where it stopped.
CHAIRS_A_CR=(--cr-weight 2 --cr-start 250 --cr-ramp 250 --lr-cr 2e-3)  # the default then (now D's rate)
{
  echo "run chairs-A-cr2-s0 ${CHAIRS_A[*]} --codes cat:12,cont:3 ${CHAIRS_A_CR[*]} --steps 9019"
  echo "run chairs-cont4-cr2-s0 ${CHAIRS_A[*]} --codes cont:4 ${CHAIRS_A_CR[*]} --steps 4276"
  echo "run chairs-A-inv1-s0 ${CHAIRS_A[*]} --codes cat:12,cont:3 --lambda-invariant 1 --steps 12628"
  echo "run chairs-A-cr2-inv1-s0 ${CHAIRS_A[*]} --codes cat:12,cont:3 ${CHAIRS_A_CR[*]} --lambda-invariant 1 --steps 10379"
  echo "run chairs-A-inv1-s1 ${CHAIRS_A[*]} --codes cat:12,cont:3 --lambda-invariant 1 --seed 1 --steps 11578"
  echo "run chairs-A-inv3-s0 ${CHAIRS_A[*]} --codes cat:12,cont:3 --lambda-invariant 3 --steps 10880"
} | xargs -P "$JOBS" -I{} bash -c {}
for run in chairs-A-cr2-s0 chairs-A-inv1-s0 chairs-A-cr2-inv1-s0 chairs-A-inv1-s1 chairs-A-inv3-s0; do
  "$PY" scripts/generator_factors.py "runs/$run" --reader runs/chairs3d-reader.pt
done
"$BIN" traverse runs/chairs-A-inv1-s0 --out runs/chairs-A-inv1-s0/figures --columns 9 --scale 1
mkdir -p docs/figures/chairs-A-inv1-s0
cp runs/chairs-A-inv1-s0/figures/traverse_c{1,4}.png docs/figures/chairs-A-inv1-s0/
"$PY" scripts/summarize_factors.py runs/chairs-A-s0 runs/chairs-A-cr2-s0 runs/chairs-A-inv1-s0 runs/chairs-A-cr2-inv1-s0 \
  runs/chairs-A-inv1-s1 runs/chairs-A-inv3-s0 --factors style,azimuth,width

# session 15 (docs/experiments.md, "chairs3d: a mirror and a stretch in the invariance term"): pilot A's recipe
# with the invariance term, whose moves also mirror (--invariant-mirror) and stretch (--invariant-stretch) G's
# images (two trainings side by side). Each run was stopped with SIGTERM; --steps is where it stopped.
CHAIRS_A_MS=(--lambda-invariant 1 --invariant-mirror)
{
  echo "run chairs-A-inv1-mirror-s0 ${CHAIRS_A[*]} --codes cat:12,cont:3 ${CHAIRS_A_MS[*]} --steps 8429"
  echo "run chairs-circ1-inv1-mirror-s0 ${CHAIRS_A[*]} --codes cat:12,circ:1,cont:2 --lambda-circ 1 ${CHAIRS_A_MS[*]} --steps 3810"
  echo "run chairs-A-inv1-mirror-stretch-s0 ${CHAIRS_A[*]} --codes cat:12,cont:3 ${CHAIRS_A_MS[*]} --invariant-stretch 0.3 --steps 12814"
  echo "run chairs-cont2-inv1-mirror-stretch-s0 ${CHAIRS_A[*]} --codes cat:12,cont:2 ${CHAIRS_A_MS[*]} --invariant-stretch 0.3 --steps 8766"
  echo "run chairs-A-inv1-mirror-stretch-s1 ${CHAIRS_A[*]} --codes cat:12,cont:3 ${CHAIRS_A_MS[*]} --invariant-stretch 0.3 --seed 1 --steps 10394"
  echo "run chairs-A-cr2-inv1-mirror-stretch-s0 ${CHAIRS_A[*]} --codes cat:12,cont:3 ${CHAIRS_A_MS[*]} --invariant-stretch 0.3 ${CHAIRS_A_CR[*]} --steps 7072"
  echo "run chairs-A-inv1-mirror-stretch-s2 ${CHAIRS_A[*]} --codes cat:12,cont:3 ${CHAIRS_A_MS[*]} --invariant-stretch 0.3 --seed 2 --steps 10082"
  echo "run chairs-A-l05-inv1-mirror-stretch-s0 ${CHAIRS_A[*]} --codes cat:12,cont:3 ${CHAIRS_A_MS[*]} --invariant-stretch 0.3 --lambda-cont 0.5 --steps 6814"
} | xargs -P "$JOBS" -I{} bash -c {}
MS_RUNS="chairs-A-inv1-mirror-s0 chairs-circ1-inv1-mirror-s0 chairs-A-inv1-mirror-stretch-s0 chairs-cont2-inv1-mirror-stretch-s0
  chairs-A-inv1-mirror-stretch-s1 chairs-A-cr2-inv1-mirror-stretch-s0 chairs-A-inv1-mirror-stretch-s2 chairs-A-l05-inv1-mirror-stretch-s0"
for run in $MS_RUNS; do
  "$PY" scripts/generator_factors.py "runs/$run" --reader runs/chairs3d-reader.pt
done
"$BIN" traverse runs/chairs-A-inv1-mirror-stretch-s0 --out runs/chairs-A-inv1-mirror-stretch-s0/figures --columns 9 --scale 1
mkdir -p docs/figures/chairs-A-inv1-mirror-stretch-s0
cp runs/chairs-A-inv1-mirror-stretch-s0/figures/traverse_c{2,3}.png docs/figures/chairs-A-inv1-mirror-stretch-s0/
# shellcheck disable=SC2086
"$PY" scripts/summarize_factors.py $(printf 'runs/%s ' $MS_RUNS) --factors style,azimuth,width

# session 16 (docs/experiments.md, "A mirror-parity term for the continuous codes"): every continuous code is read
# from G's mirrored images as itself or reflected (--mirror-parity). Each run was stopped with SIGTERM; --steps
# is where it stopped. Two or three trainings side by side, one torch thread each.
CHAIRS_A_MSS=(--lambda-invariant 1 --invariant-mirror --invariant-stretch 0.3)
CHAIRS_A_PARITY=(--mirror-parity 1 --mirror-parity-start 2000)
{
  echo "run chairs-cat24-inv1-mirror-stretch-s0 ${CHAIRS_A[*]} --codes cat:24,cont:3 ${CHAIRS_A_MSS[*]} --steps 5016"
  echo "run chairs-parity1-inv1-mirror-stretch-s0 ${CHAIRS_A[*]} --codes cat:12,cont:3 ${CHAIRS_A_MSS[*]} --mirror-parity 1 --steps 2121"
  # session 15's best run continued from its last update (12,814), with the term and without it (the control)
  echo "continue_run chairs-A-inv1-mirror-stretch-s0 chairs-A-inv1-mirror-stretch-s0-parity1-from12814 --mirror-parity 1 --steps 22707"
  echo "continue_run chairs-A-inv1-mirror-stretch-s0 chairs-A-inv1-mirror-stretch-s0-more-from12814 --steps 22700"
  echo "continue_run faces-fixed-l20-s1 faces-fixed-l20-s1-parity1-from20000 --mirror-parity 1 --steps 22974"
  echo "run chairs-parity1from2000-inv1-mirror-stretch-s1 ${CHAIRS_A[*]} --codes cat:12,cont:3 ${CHAIRS_A_MSS[*]} ${CHAIRS_A_PARITY[*]} --seed 1 --steps 10801"
  echo "run chairs-parity1from2000-inv1-mirror-stretch-s0 ${CHAIRS_A[*]} --codes cat:12,cont:3 ${CHAIRS_A_MSS[*]} ${CHAIRS_A_PARITY[*]} --steps 8894"
  echo "run chairs-parity1from2000-inv1-mirror-stretch-s2 ${CHAIRS_A[*]} --codes cat:12,cont:3 ${CHAIRS_A_MSS[*]} ${CHAIRS_A_PARITY[*]} --seed 2 --steps 8619"
  echo "run chairs-cont2-parity1from2000-inv1-mirror-stretch-s0 ${CHAIRS_A[*]} --codes cat:12,cont:2 ${CHAIRS_A_MSS[*]} ${CHAIRS_A_PARITY[*]} --steps 8227"
} | xargs -P "$JOBS" -I{} bash -c {}
PARITY_RUNS="chairs-cat24-inv1-mirror-stretch-s0 chairs-parity1-inv1-mirror-stretch-s0 chairs-A-inv1-mirror-stretch-s0-more-from12814
  chairs-A-inv1-mirror-stretch-s0-parity1-from12814 chairs-parity1from2000-inv1-mirror-stretch-s0 chairs-parity1from2000-inv1-mirror-stretch-s1
  chairs-parity1from2000-inv1-mirror-stretch-s2 chairs-cont2-parity1from2000-inv1-mirror-stretch-s0"
for run in $PARITY_RUNS; do
  "$PY" scripts/generator_factors.py "runs/$run" --reader runs/chairs3d-reader.pt
done
# shellcheck disable=SC2086
"$PY" scripts/summarize_factors.py $(printf 'runs/%s ' $PARITY_RUNS) --factors style,azimuth,width
"$PY" scripts/summarize_factors.py runs/faces-fixed-l20-s1 runs/faces-fixed-l20-s1-parity1-from20000 --factors azimuth,elevation,lighting,width

# session 17 (docs/experiments.md, "Two codes for the chairs on three seeds, a fix to InfoGAN-CR's classifier, and where
# the width code fails"): session 16's cont:2 recipe on more seeds and for longer, InfoGAN-CR's term with a classifier
# that learns, and a binary code for front against back. Each run was stopped with SIGTERM; --steps is where it stopped.
CHAIRS_CONT2=(${CHAIRS_A[*]} --codes cat:12,cont:2 ${CHAIRS_A_MSS[*]} ${CHAIRS_A_PARITY[*]})
{
  echo "continue_run chairs-cont2-parity1from2000-inv1-mirror-stretch-s0 chairs-cont2-s0-cr2-lrcr2e-3-from8227 --cr-weight 2 --cr-start 8227 --cr-ramp 1000 --lr-cr 2e-3 --steps 9683"
  echo "continue_run chairs-cont2-parity1from2000-inv1-mirror-stretch-s0 chairs-cont2-s0-cr2-from8227 --cr-weight 2 --cr-start 8227 --cr-ramp 1000 --lr-cr 2e-4 --steps 12451"
  echo "continue_run chairs-cont2-parity1from2000-inv1-mirror-stretch-s0 chairs-cont2-s0-more-from8227 --steps 13752"
  echo "run chairs-cont2-parity1from2000-inv1-mirror-stretch-s1 ${CHAIRS_CONT2[*]} --seed 1 --steps 13752"
  echo "run chairs-cont2-parity1from2000-inv1-mirror-stretch-s2 ${CHAIRS_CONT2[*]} --seed 2 --steps 12707"
  echo "run chairs-cat2-cont2-parity1from2000-inv1-mirror-stretch-s0 ${CHAIRS_A[*]} --codes cat:12,cat:2,cont:2 ${CHAIRS_A_MSS[*]} ${CHAIRS_A_PARITY[*]} --steps 7174"
} | xargs -P "$JOBS" -I{} bash -c {}
continue_run chairs-cont2-s0-more-from8227 chairs-cont2-s0-long --steps 24106
"$PY" scripts/pair_classifier_probe.py runs/chairs-cont2-parity1from2000-inv1-mirror-stretch-s0 --lrs 2e-3,2e-4
"$PY" scripts/pair_classifier_probe.py runs/faces-fixed-l20-s1 --lrs 2e-3,2e-4
CONT2_RUNS="chairs-cont2-s0-more-from8227 chairs-cont2-s0-cr2-from8227 chairs-cont2-parity1from2000-inv1-mirror-stretch-s1
  chairs-cont2-parity1from2000-inv1-mirror-stretch-s2 chairs-cont2-s0-long"
for run in chairs-cont2-parity1from2000-inv1-mirror-stretch-s0 $CONT2_RUNS; do
  "$PY" scripts/factor_profile.py "runs/$run" --factor width --split-by azimuth
  "$PY" scripts/generator_factors.py "runs/$run" --reader runs/chairs3d-reader.pt --moves c3 --across c2
done
"$PY" scripts/generator_factors.py runs/chairs-cat2-cont2-parity1from2000-inv1-mirror-stretch-s0 --reader runs/chairs3d-reader.pt
# shellcheck disable=SC2086
"$PY" scripts/summarize_factors.py $(printf 'runs/%s ' $CONT2_RUNS chairs-cat2-cont2-parity1from2000-inv1-mirror-stretch-s0) --factors style,azimuth,width

# session 18 (docs/experiments.md, "Where the chairs' side views go: four tries at the pose code, and a turn code"):
# an angle code with and without the mirror parity, the Hessian penalty and --turn-stretch on the cont:2 control,
# and turn:1 codes. Each run was stopped with SIGTERM; --steps is where it stopped. The --turn-stretch runs read
# beyond the image as black (a narrowed chair had black bands at the sides); since commit 0bfdd53 the stretch reads the
# image's edge, so this script no longer makes them as they ran.
CHAIRS_ANGLE=(${CHAIRS_A[*]} --codes cat:12,circ:1,cont:1 --lambda-circ 1 ${CHAIRS_A_MSS[*]})
CHAIRS_TURN=(${CHAIRS_A[*]} --codes cat:12,turn:1,cont:1 ${CHAIRS_A_MSS[*]} ${CHAIRS_A_PARITY[*]})
{
  echo "run chairs-circ1-cont1-angleparity-s0 ${CHAIRS_ANGLE[*]} --mirror-parity 1 --steps 5783"
  echo "run chairs-circ1-cont1-noparity-s0 ${CHAIRS_ANGLE[*]} --steps 6937"
  echo "continue_run chairs-cont2-s0-more-from8227 chairs-cont2-s0-hessian3e-3-from13752 --hessian-weight 3e-3 --steps 15983"
  echo "continue_run chairs-cont2-s0-more-from8227 chairs-cont2-s0-hessian3e-2-from13752 --hessian-weight 3e-2 --steps 16520"
  echo "continue_run chairs-cont2-s0-more-from8227 chairs-cont2-s0-turnstretch0.3-from13752 --turn-stretch 0.3 --steps 16575"
  echo "run chairs-cont2-turnstretch0.3-s0 ${CHAIRS_CONT2[*]} --turn-stretch 0.3 --steps 5088"
  echo "run chairs-turn1-cont1-s0 ${CHAIRS_TURN[*]} --steps 13494"
  echo "run faces-turn1-cont4-s1 --preset faces-azimuth --codes turn:1,cont:4 --seed 1 --eval-every 500 --render-cache --steps 7845"
} | xargs -P "$JOBS" -I{} bash -c {}
continue_run faces-turn1-cont4-s1 faces-turn1-cont4-s1-long --threads 2 --steps 13670
SESSION18_CHAIRS="chairs-circ1-cont1-angleparity-s0 chairs-circ1-cont1-noparity-s0 chairs-cont2-s0-hessian3e-3-from13752
  chairs-cont2-s0-hessian3e-2-from13752 chairs-cont2-s0-turnstretch0.3-from13752 chairs-cont2-turnstretch0.3-s0 chairs-turn1-cont1-s0"
for run in chairs-cont2-s0-long chairs-cont2-s0-more-from8227 $SESSION18_CHAIRS; do
  "$PY" scripts/factor_profile.py "runs/$run" --factor azimuth --bins 12
  "$PY" scripts/factor_profile.py "runs/$run" --factor width --split-by azimuth
done
# shellcheck disable=SC2086
"$PY" scripts/summarize_factors.py $(printf 'runs/%s ' $SESSION18_CHAIRS) --factors style,azimuth,width
"$PY" scripts/summarize_factors.py runs/faces-turn1-cont4-s1 runs/faces-turn1-cont4-s1-long --factors azimuth,elevation,lighting,width
for run in faces-turn1-cont4-s1 faces-turn1-cont4-s1-long; do
  "$PY" scripts/factor_profile.py "runs/$run" --factor azimuth
  "$PY" scripts/factor_profile.py "runs/$run" --factor width --split-by azimuth
done

# session 19 (docs/experiments.md, "A 3D bias in G: volume networks turned by pose codes"). Each run was stopped with
# SIGTERM; --steps is where it stopped. The facesvol-* and chairsvol-s0 runs used the first volume networks, which mixed
# each pixel's column of voxels with a 1x1 convolution (commit affcf4b): run those four lines from a checkout of affcf4b.
FACES_VOLUME=(--preset faces-azimuth --network faces-volume --codes yaw:-75:75,pitch:-30:30,cont:3 --eval-every 500 --render-cache)
CHAIRS_VOLUME=(--preset chairs-rotation --network chairs-volume --codes cat:12,yaw:-180:180,cont:1 --lambda-cont 0.2 --lr-d 2e-4
  --lr-g 5e-4 --batch-size 64 --seed 0 --eval-every 500 --render-cache)
{
  echo "run facesvol-s0 ${FACES_VOLUME[*]} --seed 0 --steps 1963"
  echo "run facesvol-s1 ${FACES_VOLUME[*]} --seed 1 --steps 4838"
} | xargs -P "$JOBS" -I{} bash -c {}
run chairsvol-s0 "${CHAIRS_VOLUME[@]}" --steps 6661
# from commit bb66cb8 on: the volume networks composite each line of sight
{
  echo "run facesvolc-s1 ${FACES_VOLUME[*]} --seed 1 --steps 2657"
  echo "run chairsvolc-s0 ${CHAIRS_VOLUME[*]} --steps 14994"
  echo "run chairsvolc-mss-parity-s0 ${CHAIRS_VOLUME[*]} ${CHAIRS_A_MSS[*]} --mirror-parity 1 --mirror-parity-start 2000 --steps 4690"
} | xargs -P "$JOBS" -I{} bash -c {}
"$PY" scripts/summarize_factors.py runs/facesvol-s0 runs/facesvol-s1 runs/facesvolc-s1 --factors azimuth,elevation,lighting,width
"$PY" scripts/summarize_factors.py runs/chairsvol-s0 runs/chairsvolc-s0 runs/chairsvolc-mss-parity-s0 --factors style,azimuth,width

# session 20 (docs/experiments.md, "A light code for the volume networks"). Each run was stopped with SIGTERM; --steps
# is where it stopped. These runs were made at commit 86e651a, where the light shaded one feature channel; HEAD shades all.
FACES_LIT=(--preset faces-azimuth --codes yaw:-75:75,pitch:-30:30,light:-70:70,cont:2 --eval-every 500 --render-cache)
{
  echo "run faceslit-s0 ${FACES_LIT[*]} --network faces-volume --seed 0 --steps 3023"
  echo "run faceslit-s1 ${FACES_LIT[*]} --network faces-volume --seed 1 --steps 4047"
} | xargs -P "$JOBS" -I{} bash -c {}
{
  echo "run faceslitu-s1 ${FACES_LIT[*]} --network faces-volume-unstyled --seed 1 --steps 5475"
  echo "run faceslitu-s0 ${FACES_LIT[*]} --network faces-volume-unstyled --seed 0 --steps 4433"
} | xargs -P "$JOBS" -I{} bash -c {}
"$PY" scripts/summarize_factors.py runs/faceslit-s0 runs/faceslit-s1 runs/faceslitu-s1 runs/faceslitu-s0 --factors azimuth,elevation,lighting,width
for run in faceslit-s1 faceslitu-s1 faceslitu-s0; do
  "$PY" scripts/head_outline.py "runs/$run"
  "$BIN" traverse "runs/$run" --range -1 1 --columns 9 --scale 1 --out "docs/figures/$run"
done

# session 21 (docs/experiments.md, "A width code built into G's volume"). Each run was stopped with SIGTERM; --steps is
# where it stopped. facesstr-s0 and chairsstr-s0 ran at commit 4a726fb (the stretch along x, not a learned axis).
FACES_STRETCH=(--preset faces-azimuth --network faces-volume-unstyled --eval-every 500 --render-cache)
STRETCH_CODES=yaw:-75:75,pitch:-30:30,light:-70:70,stretch:0.8:1.2
CHAIRS_STRETCH=(--preset chairs-rotation --network chairs-volume --codes cat:12,yaw:-180:180,stretch:0.7:1.3 --lambda-cont 0.2
                --lr-d 2e-4 --lr-g 5e-4 --batch-size 64 --eval-every 500 --render-cache)
{
  echo "run facesstr-s0 ${FACES_STRETCH[*]} --codes $STRETCH_CODES --seed 0 --steps 1677"
  echo "run chairsstr-s0 ${CHAIRS_STRETCH[*]} --seed 0 --steps 4007"
} | xargs -P "$JOBS" -I{} bash -c {}
{
  echo "run facesmir-s0 ${FACES_STRETCH[*]} --codes $STRETCH_CODES --mirror-volume --seed 0 --steps 3882"
  echo "run chairsmir-s0 ${CHAIRS_STRETCH[*]} --mirror-volume --seed 0 --steps 6776"
} | xargs -P "$JOBS" -I{} bash -c {}
{
  echo "run facesmir-s1 ${FACES_STRETCH[*]} --codes $STRETCH_CODES --mirror-volume --seed 1 --steps 986"
  echo "run facesstrc-s0 ${FACES_STRETCH[*]} --codes $STRETCH_CODES,cont:2 --seed 0 --steps 3842"
  echo "run facesstrc-s1 ${FACES_STRETCH[*]} --codes $STRETCH_CODES,cont:2 --seed 1 --steps 3893"
} | xargs -P "$JOBS" -I{} bash -c {}
"$PY" scripts/summarize_factors.py runs/facesstr-s0 runs/facesmir-s0 runs/facesmir-s1 runs/facesstrc-s0 runs/facesstrc-s1 --factors azimuth,elevation,lighting,width
"$PY" scripts/summarize_factors.py runs/chairsstr-s0 runs/chairsmir-s0 --factors style,azimuth,width
for run in facesmir-s0 facesmir-s1 facesstrc-s0 facesstrc-s1; do
  "$BIN" traverse "runs/$run" --range -1 1 --columns 9 --scale 1 --out "docs/figures/$run"
done

# session 22 (docs/experiments.md, "The mirror-symmetric volume on four seeds"). facesmir-s1c is facesmir-s1 (above,
# stopped at update 986) resumed; each run was stopped with SIGTERM at the update given, and the two good ones scored
# once, then resumed for 30 minutes more.
continue_run facesmir-s1 facesmir-s1c --steps 11337  # scored here, then resumed
continue_run facesmir-s1c facesmir-s1c --steps 14081
{
  echo "run facesmir-s2 ${FACES_STRETCH[*]} --codes $STRETCH_CODES --mirror-volume --seed 2 --steps 1607"
  echo "run facesmir-s3 ${FACES_STRETCH[*]} --codes $STRETCH_CODES --mirror-volume --seed 3 --steps 8207"
} | xargs -P "$JOBS" -I{} bash -c {}
continue_run facesmir-s3 facesmir-s3 --steps 10971  # scored at 8,207, then resumed
"$PY" scripts/summarize_factors.py runs/facesmir-s1c runs/facesmir-s3 runs/facesmir-s2 --factors azimuth,elevation,lighting,width
"$BIN" traverse runs/facesmir-s1c --range -1 1 --columns 9 --scale 1 --out docs/figures/facesmir-s1c
"$BIN" traverse runs/facesmir-s3 --range -1 1 --columns 9 --scale 1 --out docs/figures/facesmir-s3

# session 23 (docs/experiments.md, "chairs3d on volume networks without the content's style"). Each run was stopped
# with SIGTERM at the update given; chairsun16-s0 was stopped once at update 707 and resumed.
CHAIRS_UNSTYLED=(--preset chairs-rotation --mirror-volume --lambda-cont 0.2 --lr-d 2e-4 --lr-g 5e-4 --batch-size 64
                 --eval-every 500 --render-cache)
{
  echo "run chairsun-s0 ${CHAIRS_UNSTYLED[*]} --network chairs-volume-unstyled --codes cat:12,yaw:-180:180,stretch:0.7:1.3 --seed 0 --steps 12668"
  echo "run chairsun-nocat-s0 ${CHAIRS_UNSTYLED[*]} --network chairs-volume-unstyled --codes yaw:-180:180,stretch:0.7:1.3 --seed 0 --steps 3219"
  echo "run chairsunp-s0 ${CHAIRS_UNSTYLED[*]} --network chairs-volume-unstyled --codes cat:12,yaw:-180:180,pitch:15:30,stretch:0.7:1.3 --seed 0 --steps 4900"
  echo "run chairsun16-s0 ${CHAIRS_UNSTYLED[*]} --network chairs-volume16-unstyled --codes cat:12,yaw:-180:180,stretch:0.7:1.3 --seed 0 --steps 9964"
  echo "run chairsun16-s1 ${CHAIRS_UNSTYLED[*]} --network chairs-volume16-unstyled --codes cat:12,yaw:-180:180,stretch:0.7:1.3 --seed 1 --steps 1925"
  echo "run chairsun16t-s0 ${CHAIRS_UNSTYLED[*]} --network chairs-volume16-unstyled --volume-tilt 22 --codes cat:12,yaw:-180:180,stretch:0.7:1.3 --seed 0 --steps 6037"
} | xargs -P "$JOBS" -I{} bash -c {}
"$PY" scripts/summarize_factors.py runs/chairsun-s0 runs/chairsun-nocat-s0 runs/chairsunp-s0 runs/chairsun16-s0 runs/chairsun16-s1 \
  runs/chairsun16t-s0 --factors style,azimuth,width
for run in chairsun-s0 chairsun16-s0 chairsun16t-s0; do
  "$PY" scripts/factor_profile.py "runs/$run" --factor azimuth --bins 12
  "$PY" scripts/factor_profile.py "runs/$run" --factor width --split-by azimuth
done
"$BIN" traverse runs/chairsun16-s0 --range -3.1416 3.1416 --columns 9 --scale 1 --out docs/figures/chairsun16-s0  # c2 kept
"$BIN" traverse runs/chairsun16-s0 --range -1 1 --columns 9 --scale 1 --out docs/figures/chairsun16-s0  # c3 kept

# session 24 (docs/experiments.md, "chairs3d: G turns and widens its chairs as the data does"). chairsun16-s1 resumed
# from session 23's 1,925 updates; each run stopped with SIGTERM at the update given (chairsun16-s2 to free its core).
{
  echo "run chairsun16-s1 ${CHAIRS_UNSTYLED[*]} --network chairs-volume16-unstyled --codes cat:12,yaw:-180:180,stretch:0.7:1.3 --seed 1 --steps 13648"
  echo "run chairsun16-s2 ${CHAIRS_UNSTYLED[*]} --network chairs-volume16-unstyled --codes cat:12,yaw:-180:180,stretch:0.7:1.3 --seed 2 --steps 475"
  echo "run chairsun16t-noinfod-s0 ${CHAIRS_UNSTYLED[*]} --network chairs-volume16-unstyled --volume-tilt 22 --no-info-in-d --codes cat:12,yaw:-180:180,stretch:0.7:1.3 --seed 0 --steps 6825"
  echo "continue_run chairsun16t-s0 chairsun16t-in01-s0 --instance-noise 0.1 --steps 7116"
} | xargs -P "$JOBS" -I{} bash -c {}
"$PY" scripts/summarize_factors.py runs/chairsun16-s1 runs/chairsun16t-noinfod-s0 runs/chairsun16t-in01-s0 --factors style,azimuth,width
for run in chairsun16-s0 chairsun16t-s0; do  # the reader is trained on the first call (20,000 chairs, 3 epochs) and kept
  "$PY" scripts/generator_factors.py "runs/$run" --reader runs/chairs3d-reader.pt --chain c3:width --split-by azimuth
  "$PY" scripts/generator_factors.py "runs/$run" --reader runs/chairs3d-reader.pt --sweep c2 --groups 200 --draws 2
done
"$PY" scripts/code_robustness.py runs/chairsun16t-s0 --n 500
for run in chairsun16-s0 chairsun16t-s0 chairsun16t-in01-s0 chairsun16-s1 chairsun16t-noinfod-s0; do
  "$PY" scripts/factor_profile.py "runs/$run" --factor width --split-by azimuth
done
"$PY" scripts/refit_encoder.py runs/chairsun16t-s0 --steps 3000 --report-every 1000 --split-by azimuth

# session 25 (docs/experiments.md, "chairs3d: a wider D lets Q read width from real side views"). chairsun16-s1
# resumed from 13,648 to its 20,000; the d256 runs stopped with SIGTERM at the update given; chairsd256t-s0-at6000 is
# chairsd256t-s0's directory copied at update 6,000, for the same budget as chairsun16t-s0 (6,037).
"$BIN" feature-net --dataset chairs3d  # FID's feature net, trained once (2,000 updates) and kept in the cache
{
  echo "run chairsun16-s1 ${CHAIRS_UNSTYLED[*]} --network chairs-volume16-unstyled --codes cat:12,yaw:-180:180,stretch:0.7:1.3 --seed 1 --steps 20000"
  echo "run chairsd256t-s0 ${CHAIRS_UNSTYLED[*]} --network chairs-volume16-unstyled-d256 --volume-tilt 22 --codes cat:12,yaw:-180:180,stretch:0.7:1.3 --seed 0 --steps 6000"
} | xargs -P "$JOBS" -I{} bash -c {}
cp -r runs/chairsd256t-s0 runs/chairsd256t-s0-at6000
{
  echo "run chairsd256t-s0 ${CHAIRS_UNSTYLED[*]} --network chairs-volume16-unstyled-d256 --volume-tilt 22 --codes cat:12,yaw:-180:180,stretch:0.7:1.3 --seed 0 --steps 11518"
  echo "run chairsd256t-s1 ${CHAIRS_UNSTYLED[*]} --network chairs-volume16-unstyled-d256 --volume-tilt 22 --codes cat:12,yaw:-180:180,stretch:0.7:1.3 --seed 1 --steps 6933"
} | xargs -P "$JOBS" -I{} bash -c {}
"$BIN" evaluate runs/chairsun16t-s0 > runs/chairsun16t-s0/evaluate.txt  # again, now with FID
"$PY" scripts/summarize_factors.py runs/chairsun16-s1 runs/chairsd256t-s0-at6000 runs/chairsd256t-s0 runs/chairsd256t-s1 --factors style,azimuth,width
for run in chairsd256t-s0-at6000 chairsd256t-s0 chairsd256t-s1; do
  "$PY" scripts/generator_factors.py "runs/$run" --reader runs/chairs3d-reader.pt --chain c3:width --split-by azimuth
  "$PY" scripts/factor_profile.py "runs/$run" --factor width --split-by azimuth
done
"$PY" scripts/factor_profile.py runs/chairsun16-s1 --factor width --split-by azimuth
for run in chairsd256t-s0 chairsun16t-s0; do "$PY" scripts/factor_profile.py "runs/$run" --factor azimuth; done
"$PY" benchmarks/throughput.py --networks --only chairs-volume16-unstyled,chairs-volume16-unstyled-d256 --threads 1 --steps 8 --batch-size 64

# session 26 (docs/experiments.md, "chairs3d: the turn fails on four styles, whose views Q reads as their reflection
# front to back"). The d256 runs resumed from session 25's figures; every run stopped with SIGTERM at the update given
# (chairslit-s0, chairslit-s1 and chairslitd-s1 to free their core for the next run). chairsd256t-s1-at8934 is
# chairsd256t-s1's directory copied at update 8,934. chairssil-s0 (--volume-silhouette, 1,063 updates) ran at commit
# f6460a7, whose option was reverted in the next commit.
D256=(${CHAIRS_UNSTYLED[*]} --network chairs-volume16-unstyled-d256 --volume-tilt 22 --codes cat:12,yaw:-180:180,stretch:0.7:1.3)
{
  echo "run chairsd256t-s0 ${D256[*]} --seed 0 --steps 13515"
  echo "run chairsd256t-s1 ${D256[*]} --seed 1 --steps 8934"
} | xargs -P "$JOBS" -I{} bash -c {}
cp -r runs/chairsd256t-s1 runs/chairsd256t-s1-at8934
{
  echo "run chairslit-s0 ${D256[*]} --camera-light --seed 0 --steps 4695"
  echo "run chairslit-s1 ${D256[*]} --camera-light --seed 1 --steps 2667"
} | xargs -P "$JOBS" -I{} bash -c {}
{
  echo "run chairslitd-s0 ${D256[*]} --camera-light --camera-light-azimuth -39 --camera-light-elevation 48 --seed 0 --steps 8120"
  echo "run chairslitd-s1 ${D256[*]} --camera-light --camera-light-azimuth -39 --camera-light-elevation 48 --seed 1 --steps 1629; run chairsd256t-s1 ${D256[*]} --seed 1 --steps 12553"
} | xargs -P "$JOBS" -I{} bash -c {}
"$PY" scripts/summarize_factors.py runs/chairsd256t-s0 runs/chairsd256t-s1-at8934 runs/chairsd256t-s1 runs/chairslitd-s0 --factors style,azimuth,width
for run in chairsd256t-s0 chairsd256t-s1-at8934 chairsd256t-s1 chairslitd-s0; do
  "$PY" scripts/factor_profile.py "runs/$run" --factor width --split-by azimuth
done
for run in chairsd256t-s0 chairsd256t-s1-at8934 chairsun16t-s0 chairsun16-s1 chairslitd-s0; do
  "$PY" scripts/factor_profile.py "runs/$run" --factor azimuth --per style
done
for run in chairsd256t-s0-at6000 chairsd256t-s0 chairsd256t-s1-at8934 chairsd256t-s1 chairslitd-s0 chairsun16t-s0 chairsun16-s1; do
  "$PY" scripts/volume_opacity.py "runs/$run"
done
"$PY" -c "import math, sys; from infogan.model import InfoGAN
for run in sys.argv[1:]: print(run, [round(math.degrees(a), 1) for a in InfoGAN.load('runs/' + run).generator.camera_light.tolist()])" \
  chairslit-s0 chairslit-s1 chairslitd-s0 chairslitd-s1  # where each camera light ended (azimuth, elevation)

# session 27 (docs/experiments.md, "chairs3d: a silhouette with an opacity charge ..."). chairsop3-s0 and chairsop1-s0
# ran at commit 29a4dab, whose silhouette background started at mid-grey (the next commit starts it at the data's), so
# this script no longer makes them as they ran; chairsop1-s0 ran with --opacity-weight 0.1 to update 1,458
# (chairsop1-s0-at1458 is that copy), then was resumed with --opacity-weight 1. Every run stopped with SIGTERM at the
# update given.
SIL=(${D256[*]} --volume-silhouette)
{
  echo "run chairsop3-s0 ${SIL[*]} --opacity-weight 0.3 --seed 0 --steps 2284"
  echo "run chairsop1-s0 ${SIL[*]} --opacity-weight 0.1 --seed 0 --steps 1458; cp -r runs/chairsop1-s0 runs/chairsop1-s0-at1458; run chairsop1-s0 --opacity-weight 1 --steps 2242"
} | xargs -P "$JOBS" -I{} bash -c {}
{
  echo "run chairsbg1-s0 ${SIL[*]} --opacity-weight 1 --seed 0 --steps 5512"
  echo "run chairsbg1-s1 ${SIL[*]} --opacity-weight 1 --seed 1 --steps 5578"
} | xargs -P "$JOBS" -I{} bash -c {}
"$PY" scripts/summarize_factors.py runs/chairsbg1-s0 runs/chairsbg1-s1 --factors style,azimuth,width
for run in chairsbg1-s0 chairsbg1-s1; do
  "$PY" scripts/factor_profile.py "runs/$run" --factor width --split-by azimuth
  "$PY" scripts/factor_profile.py "runs/$run" --factor azimuth --per style
done
for run in chairsop3-s0 chairsop1-s0-at1458 chairsop1-s0 chairsbg1-s0 chairsbg1-s1; do
  "$PY" scripts/volume_opacity.py "runs/$run"
done
for run in chairsd256t-s0 chairsd256t-s1 chairslitd-s0 chairsbg1-s0 chairsbg1-s1; do  # where G's turn folds, by category
  "$PY" scripts/generator_factors.py "runs/$run" --reader runs/chairs3d-reader.pt --groups 64 --draws 2 --n 3000 --sweep c2 --per c1
done

# session 28 (docs/experiments.md, "chairs3d: twenty categories, and a charge on the depth G's pixels are spread over").
# Every run stopped with SIGTERM at the update given.
{
  echo "run chairscat20-s0 ${SIL[*]} --opacity-weight 1 --codes cat:20,yaw:-180:180,stretch:0.7:1.3 --seed 0 --steps 3223"
  echo "run chairscat20-s1 ${SIL[*]} --opacity-weight 1 --codes cat:20,yaw:-180:180,stretch:0.7:1.3 --seed 1 --steps 3199"
} | xargs -P "$JOBS" -I{} bash -c {}
{
  echo "run chairsds10-s0 ${SIL[*]} --opacity-weight 1 --depth-spread-weight 10 --seed 0 --steps 3052"
  echo "run chairsds30-s0 ${SIL[*]} --opacity-weight 1 --depth-spread-weight 30 --seed 0 --steps 2045"
} | xargs -P "$JOBS" -I{} bash -c {}
for run in chairscat20-s0 chairscat20-s1 chairsds10-s0 chairsds30-s0; do
  "$PY" scripts/factor_profile.py "runs/$run" --factor azimuth --per style
  "$PY" scripts/volume_opacity.py "runs/$run"
done
for run in chairscat20-s0 chairsds10-s0; do  # the figures in the docs
  "$PY" scripts/style_views.py "runs/$run" --styles 1,2,6,10 --out "docs/figures/$run/style_views.png"
done

# session 29 (docs/experiments.md, "chairs3d: Q tells front from back by how tall the back looks"). Each run continues
# a copy of one of session 28's cat:20 runs with one setting changed (raise06-s1 continues raise04-s1 from update
# 5,050); every run stopped with SIGTERM at the update given. The raise runs read beyond the image as black (zero
# padding: a black band above a lowered back); since commit 0bfdd53 the raise reads the image's edge, so this script no
# longer makes them as they ran.
{
  echo "continue_run chairscat20-s0 op03-s0 --opacity-weight 0.3 --steps 4180"
  echo "continue_run chairscat20-s1 op01-s1 --opacity-weight 0.1 --steps 4146"
} | xargs -P "$JOBS" -I{} bash -c {}
{
  echo "continue_run chairscat20-s0 raise04-s0 --pose-raise 0.4 --steps 6045"
  echo "continue_run chairscat20-s1 raise04-s1 --pose-raise 0.4 --steps 5050; continue_run raise04-s1 raise06-s1 --pose-raise 0.6 --steps 6027"
} | xargs -P "$JOBS" -I{} bash -c {}
for run in chairscat20-s0 chairscat20-s1 op03-s0 op01-s1 raise04-s0 raise04-s1 raise06-s1; do
  for styles in 0,3,5 1,2,6,10; do
    "$PY" scripts/back_height_probe.py "runs/$run" --styles "$styles"
  done
done
for run in op03-s0 op01-s1 raise04-s0 raise04-s1 raise06-s1; do
  "$PY" scripts/factor_profile.py "runs/$run" --factor azimuth --per style
done
for run in op03-s0 op01-s1; do
  "$PY" scripts/volume_opacity.py "runs/$run"
done
"$PY" scripts/summarize_factors.py runs/raise04-s0 runs/raise06-s1 --factors style,azimuth,width

# session 30 (docs/experiments.md, "chairs3d: raising G's volume instead of its image does less"). vraise04-s0 and
# braise04-s0 continue a copy of session 28's chairscat20-s0 (3,223 updates) with one setting changed;
# raise04fresh-s2 and -s3 train from the first update. Every run stopped with SIGTERM at the update given.
{
  echo "continue_run chairscat20-s0 vraise04-s0 --pose-raise 0.4 --pose-raise-volume --steps 4524; continue_run chairscat20-s0 braise04-s0 --pose-raise 0.4 --steps 5301"
  echo "run raise04fresh-s2 ${SIL[*]} --opacity-weight 1 --codes cat:20,yaw:-180:180,stretch:0.7:1.3 --pose-raise 0.4 --seed 2 --steps 4023; cp -r runs/raise04fresh-s2 runs/raise04fresh-s2-at4023"
} | xargs -P "$JOBS" -I{} bash -c {}
{
  echo "run raise04fresh-s2 --steps 5119"
  echo "run raise04fresh-s3 ${SIL[*]} --opacity-weight 1 --codes cat:20,yaw:-180:180,stretch:0.7:1.3 --pose-raise 0.4 --seed 3 --steps 1090"
} | xargs -P "$JOBS" -I{} bash -c {}
for run in vraise04-s0 braise04-s0 raise04fresh-s2-at4023; do
  "$PY" scripts/factor_profile.py "runs/$run" --factor azimuth --per style
  for styles in 0,3,5 1,2,6,10; do
    "$PY" scripts/back_height_probe.py "runs/$run" --styles "$styles"
  done
done
"$PY" scripts/summarize_factors.py runs/braise04-s0 runs/raise04fresh-s2-at4023 --factors style,azimuth,width
