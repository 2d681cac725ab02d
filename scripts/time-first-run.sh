#!/usr/bin/env bash
# Times a newcomer's first `npm install`, `npm start` (until /health answers) and `npm test` in a fresh
# clone of the current commit, and prints the three numbers the README quotes.
# Usage: scripts/time-first-run.sh [work folder]   (default: a new folder under /tmp; removed afterwards)
# The npm cache is whatever this machine has (a first install on a new machine also downloads ~700
# packages). Nothing else should run meanwhile: the numbers are wall-clock times.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
work="${1:-$(mktemp -d /tmp/lsml-first-run.XXXXXX)}"
export ONNXRUNTIME_NODE_INSTALL=skip
unset CI LSML_FRESH_CLONE_TEST

clone="$work/lsml"
git clone --quiet --no-checkout "$root" "$clone"
git -C "$clone" checkout --quiet "$(git -C "$root" rev-parse HEAD)"
cd "$clone"

now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.0f", b - a }'; }

echo "scripts/time-first-run.sh on $(nproc) cores, node $(node --version), npm $(npm --version), commit $(git rev-parse --short HEAD), load average at the start: $(cut -d' ' -f1-3 /proc/loadavg):"

t0=$(now)
npm install --no-audit --no-fund >"$work/install.log" 2>&1
t_install=$(secs "$t0" "$(now)")
if [ -d node_modules/better-sqlite3/build/Release/obj.target ]; then sqlite="better-sqlite3 compiled from source"; else sqlite="better-sqlite3 prebuilt binary downloaded"; fi
echo "  first npm install: ${t_install} s   ($sqlite; includes the build by the prepare script; $(grep -c 'npm warn' "$work/install.log" || true) npm warnings)"

# `npm start`: builds (turbo; cached after install's build) and serves apps/text-classifier on PORT.
port=$(node -e "const s=require('net').createServer().listen(0,()=>{console.log(s.address().port);s.close()})")
t0=$(now)
PORT=$port setsid npm start >"$work/start.log" 2>&1 &
start_pid=$!
until curl -sf "http://127.0.0.1:$port/health" >/dev/null; do
  if ! kill -0 "$start_pid" 2>/dev/null; then echo "npm start exited; see $work/start.log" >&2; exit 1; fi
  sleep 0.2
done
t_start=$(secs "$t0" "$(now)")
echo "  npm start → /health answers: ${t_start} s"
kill -TERM -- "-$start_pid" 2>/dev/null || true
wait "$start_pid" 2>/dev/null || true

t0=$(now)
npm test >"$work/test.log" 2>&1 || { echo "npm test failed; see $work/test.log" >&2; exit 1; }
t_test=$(secs "$t0" "$(now)")

echo "  npm test: ${t_test} s   ($(sed 's/\x1b\[[0-9;]*m//g' "$work/test.log" | grep -Eo 'Tests +[0-9]+ passed[^)]*\)' | tail -1))"
echo "  load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)   (other work on the machine inflates every number)"
if [ -z "${1:-}" ]; then rm -rf "$work"; fi
