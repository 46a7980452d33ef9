# Installs what Flagger.Functions needs on a fresh machine, from this repository's own files: Azurite
# (pinned by package.json / package-lock.json), Prometheus and Chromium (the Debian packages). Sourced by
# scripts/test and run.sh; each function returns non-zero with a reason when it cannot install.

install_azurite() {
  [ -x node_modules/.bin/azurite ] && return 0
  echo "installing Azurite (npm ci)"
  if ! npm ci --no-audit --no-fund --loglevel=error; then
    echo "npm ci failed: Azurite is needed (node and npm must be installed)"
    return 1
  fi
}

# Prometheus for the metric tests: the Debian package, whose binary the tests start themselves on a free
# loopback port. The package's system service must not start (it would hold :9090 and a data dir), so a
# policy-rc.d that denies service starts is in place for the install when the machine has none.
install_prometheus() {
  command -v prometheus >/dev/null 2>&1 && return 0
  [ -x /usr/bin/prometheus ] && return 0
  echo "prometheus not on PATH: installing the Debian package (apt-get install prometheus)"
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || { echo "cannot install prometheus: not root and no sudo"; return 1; }
    sudo="sudo"
  fi
  local policy=/usr/sbin/policy-rc.d added_policy=""
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' | $sudo tee "$policy" >/dev/null && $sudo chmod 755 "$policy" && added_policy=1
  fi
  local rc=0
  $sudo apt-get update -qq && \
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus || rc=$?
  [ -n "$added_policy" ] && $sudo rm -f "$policy"
  if [ $rc -ne 0 ] || ! [ -x /usr/bin/prometheus ]; then
    echo "cannot install prometheus (apt-get exit code $rc): the metric tests need /usr/bin/prometheus"
    return 1
  fi
  # Some images have an init system after all: make sure the package's own service is not left running.
  if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet prometheus 2>/dev/null; then
    $sudo systemctl disable --now prometheus >/dev/null 2>&1 || true
  fi
}

# Chromium for the dashboard tests (PuppeteerSharp drives it headless; it never downloads a browser): the Debian
# package, when no chromium is on PATH.
install_chromium() {
  command -v chromium >/dev/null 2>&1 && return 0
  echo "chromium not on PATH: installing the Debian package (apt-get install chromium)"
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || { echo "cannot install chromium: not root and no sudo"; return 1; }
    sudo="sudo"
  fi
  local rc=0
  $sudo apt-get update -qq && \
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium || rc=$?
  if [ $rc -ne 0 ] || ! command -v chromium >/dev/null 2>&1; then
    echo "cannot install chromium (apt-get exit code $rc): the dashboard tests need it on PATH"
    return 1
  fi
}
