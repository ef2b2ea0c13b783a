#!/usr/bin/env bash
# Trains one Memory-R1 agent with verl: starts the project's reward server on loopback, then verl's PPO trainer
# with grpo.yaml or ppo.yaml. Run from anywhere; paths are resolved from the repository root.
#
#   training/verl/launch.sh --agent answer --algo grpo --model Qwen/Qwen2.5-3B-Instruct
#   training/verl/launch.sh --agent manager --algo ppo --model Qwen/Qwen2.5-3B-Instruct \
#       --answer-base-url http://127.0.0.1:8000 --answer-model Qwen/Qwen2.5-3B-Instruct
#   ... -- trainer.total_epochs=20        (anything after -- goes to verl as Hydra overrides)
set -euo pipefail

usage() {
  sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'
  echo "Flags: --agent answer|manager  --algo grpo|ppo  --model PATH_OR_HF_ID  [--data DIR (default rl-data)]"
  echo "       [--port 8390]  [--answer-base-url URL --answer-model NAME (required for --agent manager)]"
}

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
AGENT="" ALGO="grpo" MODEL="" DATA="$ROOT/rl-data" PORT=8390 ANSWER_URL="" ANSWER_MODEL=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --agent) AGENT="$2"; shift 2 ;;
    --algo) ALGO="$2"; shift 2 ;;
    --model) MODEL="$2"; shift 2 ;;
    --data) DATA="$(cd "$2" && pwd)"; shift 2 ;;
    --port) PORT="$2"; shift 2 ;;
    --answer-base-url) ANSWER_URL="$2"; shift 2 ;;
    --answer-model) ANSWER_MODEL="$2"; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    --) shift; break ;;
    *) echo "Unknown flag $1" >&2; usage >&2; exit 2 ;;
  esac
done

[[ "$AGENT" == answer || "$AGENT" == manager ]] || { echo "--agent must be answer or manager" >&2; exit 2; }
[[ "$ALGO" == grpo || "$ALGO" == ppo ]] || { echo "--algo must be grpo or ppo" >&2; exit 2; }
[[ -n "$MODEL" ]] || { echo "--model is required (a Hugging Face id or a local checkpoint)" >&2; exit 2; }
TRAIN="$DATA/$AGENT-train.parquet"
VAL="$DATA/$AGENT-val.parquet"
for f in "$TRAIN" "$VAL" "$DATA/$AGENT-train.jsonl"; do
  [[ -f "$f" ]] || { echo "$f is missing: run npm run rl -- build-dataset first (see training/verl/README.md)" >&2; exit 2; }
done
REWARD_FLAGS=()
if [[ "$AGENT" == manager ]]; then
  [[ -n "$ANSWER_URL" && -n "$ANSWER_MODEL" ]] || {
    echo "--agent manager needs the frozen Answer Agent: --answer-base-url URL --answer-model NAME" >&2; exit 2; }
  REWARD_FLAGS=(--answer-base-url "$ANSWER_URL" --answer-model "$ANSWER_MODEL")
fi

# verl drops the last incomplete batch, so a batch larger than the dataset would train on nothing. The batch is
# the paper's 128, or the row count rounded down to a multiple of 8 (4 GPUs x micro-batch 2) when smaller.
ROWS=$(grep -c . "$DATA/$AGENT-train.jsonl")
BATCH=$(( ROWS < 128 ? ROWS - ROWS % 8 : 128 ))
(( BATCH >= 8 )) || { echo "$DATA/$AGENT-train.jsonl has only $ROWS rows; at least 8 are needed" >&2; exit 2; }
MINI=$(( BATCH < 32 ? BATCH : 32 ))

# verl's base config (ppo_trainer.yaml) is found by path, which works whether verl is installed or checked out.
VERL_CONFIG=$(python3 -c "import os, verl; print(os.path.join(os.path.dirname(verl.__file__), 'trainer', 'config'))") || {
  echo "python3 cannot import verl: install it first (see training/verl/README.md)" >&2; exit 2; }
EXTRA=("hydra.searchpath=[file://$VERL_CONFIG]")

cd "$ROOT"
node --import tsx src/rl/cli.ts serve-rewards --port "$PORT" "${REWARD_FLAGS[@]}" &
SERVER_PID=$!
trap 'kill "$SERVER_PID" 2>/dev/null || true' EXIT
export MEMORY_R1_REWARD_URL="http://127.0.0.1:$PORT"
for _ in $(seq 1 60); do
  python3 -c "import urllib.request,sys; urllib.request.urlopen(sys.argv[1] + '/health', timeout=2)" \
    "$MEMORY_R1_REWARD_URL" 2>/dev/null && break
  sleep 1
done

[[ "$ALGO" == ppo ]] && EXTRA+=("critic.model.path=$MODEL")
python3 -m verl.trainer.main_ppo \
  --config-path "$ROOT/training/verl" --config-name "$ALGO" \
  data.train_files="$TRAIN" data.val_files="$VAL" \
  data.train_batch_size="$BATCH" actor_rollout_ref.actor.ppo_mini_batch_size="$MINI" \
  actor_rollout_ref.model.path="$MODEL" \
  custom_reward_function.path="$ROOT/training/verl/reward_fn.py" \
  trainer.experiment_name="$AGENT-agent-$ALGO" \
  "${EXTRA[@]}" "$@"
