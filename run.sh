#!/usr/bin/env bash
# The main job on one machine: installs what is missing (Azurite with npm, Prometheus with apt), builds
# Flagger.Host, starts Azurite, and runs the host in sandbox mode with --demo: a simulated cluster with live
# traffic and a real Prometheus, a push of a good image (promoted) then of a bad one (rolled back), followed
# live, then the history. Exits non-zero if either outcome is wrong. Everything it started stops on exit.
set -euo pipefail
cd "$(dirname "$0")"
source scripts/lib.sh
install_azurite
install_prometheus

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
echo "building Flagger.Host"
dotnet build src/Flagger.Host -c Release --nologo -v quiet

work=$(mktemp -d -t flagger-sandbox.XXXXXX)
azurite_pid=""
cleanup() {
  if [ -n "$azurite_pid" ] && kill -0 "$azurite_pid" 2>/dev/null; then
    kill "$azurite_pid" 2>/dev/null || true
    for _ in 1 2 3 4 5; do kill -0 "$azurite_pid" 2>/dev/null || break; sleep 1; done
    kill -9 "$azurite_pid" 2>/dev/null || true   # Azurite sometimes ignores SIGTERM
  fi
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

free_port() { node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"; }
blob=$(free_port); queue=$(free_port); table=$(free_port); api=$(free_port)

node_modules/.bin/azurite --silent --location "$work/azurite" --blobPort "$blob" --queuePort "$queue" --tablePort "$table" \
  --skipApiVersionCheck --loose --disableTelemetry &
azurite_pid=$!
for _ in $(seq 1 60); do (exec 3<>"/dev/tcp/127.0.0.1/$table") 2>/dev/null && break; sleep 0.5; done

key="Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
export StateStore__ConnectionString="DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=$key;BlobEndpoint=http://127.0.0.1:$blob/devstoreaccount1;QueueEndpoint=http://127.0.0.1:$queue/devstoreaccount1;TableEndpoint=http://127.0.0.1:$table/devstoreaccount1;"
export Sandbox__WorkDirectory="$work/sandbox"
export Host__SweepInterval="00:00:02"
export ASPNETCORE_URLS="http://127.0.0.1:$api"
export Logging__LogLevel__Default="Warning"
export DOTNET_PROCESSOR_COUNT=32

dotnet src/Flagger.Host/bin/Release/net10.0/Flagger.Host.dll --demo
