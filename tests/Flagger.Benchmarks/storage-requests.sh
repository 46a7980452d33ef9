#!/usr/bin/env bash
# Where a tick's storage work goes: runs `Flagger.Host --demo` (as ./run.sh does: a good push promoted, a bad
# one rolled back) against an Azurite that logs every request (`azurite --debug`), then counts the requests by
# service and table or queue, over the whole run and over the good rollout's window (from its first
# "New revision detected" tick to its "Promotion completed" tick, read from the demo's history), with the
# ticks in that window. Idle polling is what the same host does with nothing to roll out: measure it with
# STORAGE_IDLE_SECONDS=60 (the host runs that long without --demo, and the last 60 s are counted).
#
#   tests/Flagger.Benchmarks/storage-requests.sh
#   STORAGE_IDLE_SECONDS=60 tests/Flagger.Benchmarks/storage-requests.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/lib.sh
install_azurite
install_prometheus

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
dotnet build src/Flagger.Host -c Release --nologo -v quiet

work=$(mktemp -d -t flagger-storage.XXXXXX)
azurite_pid=""; host_pid=""
cleanup() {
  [ -n "$host_pid" ] && kill "$host_pid" 2>/dev/null || true
  if [ -n "$azurite_pid" ] && kill -0 "$azurite_pid" 2>/dev/null; then
    kill "$azurite_pid" 2>/dev/null || true; sleep 1; kill -9 "$azurite_pid" 2>/dev/null || true
  fi
}
trap cleanup EXIT INT TERM

free_port() { node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"; }
blob=$(free_port); queue=$(free_port); table=$(free_port); api=$(free_port)
node_modules/.bin/azurite --silent --location "$work/azurite" --blobPort "$blob" --queuePort "$queue" --tablePort "$table" \
  --skipApiVersionCheck --loose --disableTelemetry --debug "$work/azurite.log" > "$work/azurite.out" 2>&1 &
azurite_pid=$!
for _ in $(seq 1 60); do (exec 3<>"/dev/tcp/127.0.0.1/$table") 2>/dev/null && break; sleep 0.5; done

key="Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
export StateStore__ConnectionString="DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=$key;BlobEndpoint=http://127.0.0.1:$blob/devstoreaccount1;QueueEndpoint=http://127.0.0.1:$queue/devstoreaccount1;TableEndpoint=http://127.0.0.1:$table/devstoreaccount1;"
export Sandbox__WorkDirectory="$work/sandbox" Host__SweepInterval="00:00:02" ASPNETCORE_URLS="http://127.0.0.1:$api"
export Logging__LogLevel__Default="Warning" DOTNET_PROCESSOR_COUNT=32

host=src/Flagger.Host/bin/Release/net10.0/Flagger.Host.dll
if [ -n "${STORAGE_IDLE_SECONDS:-}" ]; then
  dotnet "$host" > "$work/host.out" 2>&1 &
  host_pid=$!
  sleep $((STORAGE_IDLE_SECONDS + 30))   # 30 s for the sample canary to initialise first
  to=$(date -u +%Y-%m-%dT%H:%M:%S); from=$(date -u -d "-$STORAGE_IDLE_SECONDS sec" +%Y-%m-%dT%H:%M:%S)
  echo "idle host, the last $STORAGE_IDLE_SECONDS s:"
  python3 tests/Flagger.Benchmarks/storage-requests.py "$work/azurite.log" "$from" "$to"
  exit 0
fi

dotnet "$host" --demo > "$work/demo.out" 2>&1
python3 tests/Flagger.Benchmarks/storage-requests.py "$work/azurite.log"
# The good rollout: the history lines "#N  HH:MM:SS Phase ..." from the push-woken tick to the promotion.
day=$(date -u +%Y-%m-%d)
from=$(grep -m1 -E '^  #[0-9]+ +[0-9:]+ +Progressing .*New revision detected' "$work/demo.out" | awk '{print $2}')
to=$(grep -m1 -E '^  #[0-9]+ +[0-9:]+ +Succeeded' "$work/demo.out" | awk '{print $2}')
ticks=$(awk '/^  #[0-9]+ +[0-9:]+ +Progressing .*New revision detected/ && !seen { on = 1; seen = 1 } on && /^  #[0-9]+ / { n++ } on && /^  #[0-9]+ +[0-9:]+ +Succeeded/ { on = 0 } END { print n }' "$work/demo.out")
echo
echo "the good rollout, $from to $to UTC, $ticks ticks:"
python3 tests/Flagger.Benchmarks/storage-requests.py "$work/azurite.log" "${day}T$from" "${day}T$to"
