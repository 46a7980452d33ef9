#!/usr/bin/env bash
# The scale harness (issue 12, P3): for each COUNT@INTERVAL given (default: 10@15 50@15 100@15), a fresh
# Azurite and a fresh Flagger.Host in sandbox mode, then `Flagger.Benchmarks scale`: COUNT Deployment+Canary
# pairs (one image repository each, one always-passing Prometheus metric, stepWeight 20 up to 100), wait
# until all are initialised, one ACR ImagePushed Event Grid POST per canary (timed), follow every rollout to
# Succeeded, read each canary's tick history from the host API, and print one table row per run.
#
#   tests/Flagger.Benchmarks/scale.sh 10@15 50@15 100@15 500@60
#
# Settings for the host go through the environment as usual (Host__MaxConcurrentActivities=50, ...);
# SCALE_LABEL names them in the table's first column; SCALE_AZURITE_ARGS adds Azurite options
# (e.g. --inMemoryPersistence); SCALE_AZURITE_SPLIT=1 runs its queue, table and blob services as three
# processes (azurite-queue, azurite-table, azurite-blob: each Node process works on one thread, so the
# Durable queues and the tables no longer share one core). Azurite listens on SCALE_AZURITE_PORT.. +2 (default
# 20000-20002, away from the tests' Azurite on 10000-10002). Exits non-zero when any run fails; everything it
# started is stopped on exit. The table is also written to $SCALE_TABLE (default: a file under the run's work
# directory, printed at the end).
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/lib.sh
install_azurite
install_prometheus

runs=("$@")
[ ${#runs[@]} -gt 0 ] || runs=(10@15 50@15 100@15)
for run in "${runs[@]}"; do
  [[ "$run" =~ ^[0-9]+@[0-9]+$ ]] || { echo "expected COUNT@INTERVAL_SECONDS (e.g. 100@15), got '$run'"; exit 2; }
done

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
if [ -z "${SCALE_SKIP_BUILD:-}" ]; then
  echo "building Flagger.Host and Flagger.Benchmarks (Release)"
  dotnet build src/Flagger.Host -c Release --nologo -v quiet
  dotnet build tests/Flagger.Benchmarks -c Release --nologo -v quiet
fi

work=$(mktemp -d -t flagger-scale.XXXXXX)
table=${SCALE_TABLE:-$work/table.md}
label=${SCALE_LABEL:-defaults}
# The runs use copies of the binaries, so a build during a long run does not swap them underneath it.
cp -r src/Flagger.Host/bin/Release/net10.0 "$work/host-bin"
cp -r tests/Flagger.Benchmarks/bin/Release/net10.0 "$work/harness-bin"
azurite_port=${SCALE_AZURITE_PORT:-20000}
azurite_pids=() host_pid=""

stop() { # pid: SIGTERM, a few seconds' grace, then SIGKILL (Azurite sometimes ignores SIGTERM)
  local pid=$1
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 0
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 20); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.5; done
  kill -9 "$pid" 2>/dev/null || true
}
stop_azurite() { local pid; for pid in "${azurite_pids[@]}"; do stop "$pid"; done; azurite_pids=(); }
cleanup() {
  stop "$host_pid"; stop_azurite
  [ -n "${SCALE_KEEP:-}" ] || rm -rf "$work/azurite" "$work"/sandbox-* "$work/host-bin" "$work/harness-bin"
}
trap cleanup EXIT INT TERM

free_port() { node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"; }
wait_for() { # what, seconds, command...
  local what=$1 seconds=$2; shift 2
  for _ in $(seq 1 $((seconds * 2))); do "$@" && return 0; sleep 0.5; done
  echo "$what did not come up in ${seconds}s"; return 1
}

blob=$azurite_port; queue=$((azurite_port + 1)); tablep=$((azurite_port + 2))
key="Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
connection="DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=$key;BlobEndpoint=http://127.0.0.1:$blob/devstoreaccount1;QueueEndpoint=http://127.0.0.1:$queue/devstoreaccount1;TableEndpoint=http://127.0.0.1:$tablep/devstoreaccount1;"

rc=0
for run in "${runs[@]}"; do
  count=${run%@*}; interval=${run#*@}
  echo; echo "=== $count canaries at ${interval}s ($label) ==="
  rm -rf "$work/azurite"
  location=(--location "$work/azurite")
  [[ "${SCALE_AZURITE_ARGS:-}" == *--inMemoryPersistence* ]] && location=()   # Azurite refuses both together
  common=(--silent "${location[@]}" --skipApiVersionCheck --loose --disableTelemetry ${SCALE_AZURITE_ARGS:-})
  if [ -n "${SCALE_AZURITE_SPLIT:-}" ]; then
    node_modules/.bin/azurite-queue "${common[@]}" --queuePort "$queue" >"$work/azurite-queue-$count-$interval.log" 2>&1 &
    azurite_pids+=($!)
    node_modules/.bin/azurite-table "${common[@]}" --tablePort "$tablep" >"$work/azurite-table-$count-$interval.log" 2>&1 &
    azurite_pids+=($!)
    node_modules/.bin/azurite-blob "${common[@]}" --blobPort "$blob" >"$work/azurite-blob-$count-$interval.log" 2>&1 &
    azurite_pids+=($!)
    wait_for "Azurite (queue port $queue)" 30 bash -c "exec 3<>/dev/tcp/127.0.0.1/$queue" 2>/dev/null
    wait_for "Azurite (blob port $blob)" 30 bash -c "exec 3<>/dev/tcp/127.0.0.1/$blob" 2>/dev/null
  else
    node_modules/.bin/azurite "${common[@]}" --blobPort "$blob" --queuePort "$queue" --tablePort "$tablep" \
      >"$work/azurite-$count-$interval.log" 2>&1 &
    azurite_pids+=($!)
  fi
  wait_for "Azurite (table port $tablep)" 30 bash -c "exec 3<>/dev/tcp/127.0.0.1/$tablep" 2>/dev/null

  api=$(free_port); sandbox="$work/sandbox-$count-$interval"
  StateStore__ConnectionString="$connection" Sandbox__WorkDirectory="$sandbox" ASPNETCORE_URLS="http://127.0.0.1:$api" \
    Logging__LogLevel__Default="${Logging__LogLevel__Default:-Warning}" \
    dotnet "$work/host-bin/Flagger.Host.dll" >"$work/host-$count-$interval.log" 2>&1 &
  host_pid=$!
  if wait_for "Flagger.Host on :$api" 90 curl -sf -o /dev/null "http://127.0.0.1:$api/healthz" && [ -s "$sandbox/kubeconfig" ]; then
    if ! dotnet "$work/harness-bin/Flagger.Benchmarks.dll" scale \
        --api "http://127.0.0.1:$api" --kubeconfig "$sandbox/kubeconfig" --canaries "$count" --interval "$interval" \
        --host-pid "$host_pid" --azurite-pid "$(IFS=,; echo "${azurite_pids[*]}")" --storage "$connection" --label "$label" --output "$table"; then
      rc=1
    fi
  else
    rc=1
  fi
  echo "host warnings by category and event id ($work/host-$count-$interval.log):"
  grep -oE '^(warn|fail|crit): [^ ]+' "$work/host-$count-$interval.log" | sort | uniq -c | sort -rn | head -n 8 || true
  if [ $rc -ne 0 ]; then echo "host log (last 40 lines, $work/host-$count-$interval.log):"; tail -n 40 "$work/host-$count-$interval.log" || true; fi
  stop "$host_pid"; host_pid=""
  stop_azurite
done

echo; echo "Scale harness ($(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)):"
[ -f "$table" ] && cat "$table"
exit $rc
