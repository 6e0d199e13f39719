#!/usr/bin/env bash
# Installs the browser the dashboard's browser tests drive: Debian's Chromium and its matching
# chromedriver (packages chromium and chromium-driver, the same version). Idempotent: it does
# nothing when /usr/bin/chromium and /usr/bin/chromedriver are already there. Nothing is
# downloaded by a test tool (Selenium is pointed at these two files).
#
#   scripts/browser-setup.sh
#
# Needs root (CI and the project's machines run as root) and apt-get.
# Exit codes: 0 ready; 1 failed (one line says what).
set -Eeuo pipefail

say() { printf '[browser-setup] %s\n' "$*"; }
die() { printf '[browser-setup] error: %s\n' "$*" >&2; exit 1; }

if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then
  say "chromium and chromedriver present ($(/usr/bin/chromium --version 2>/dev/null || echo '?'))"
  exit 0
fi
command -v apt-get >/dev/null 2>&1 \
  || die "apt-get not found: install chromium and chromium-driver (the same version) by hand"
[ "$(id -u)" -eq 0 ] \
  || die "not root: run 'sudo apt-get install -y chromium chromium-driver', then this again"
say "installing chromium and chromium-driver with apt-get (a minute or two)"
log=$(mktemp)
if ! { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
  --no-install-recommends chromium chromium-driver; } >"$log" 2>&1; then
  tail -n 20 "$log" >&2
  die "apt-get could not install chromium chromium-driver (log above)"
fi
rm -f "$log"
[ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ] \
  || die "apt-get ran but /usr/bin/chromium or /usr/bin/chromedriver is missing"
say "installed $(/usr/bin/chromium --version 2>/dev/null || echo chromium)"
