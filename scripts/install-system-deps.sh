#!/usr/bin/env bash
# Installs the real programs the test suite talks to, from Debian's packages, when they are missing:
# redis-server (required), and nginx, ffmpeg, openssl, envsubst (gettext-base), prometheus and chromium (for the
# end-to-end and observability suites, which skip with a message naming the missing program only if it cannot be
# installed here), and wrk (the load generator of `npm run bench`; its test fails without it).
# Run as root on Debian/Ubuntu; elsewhere it only reports what is missing.
set -uo pipefail
need=()
command -v redis-server >/dev/null || need+=(redis-server)
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || need+=(nginx)
command -v ffmpeg >/dev/null || need+=(ffmpeg)
command -v openssl >/dev/null || need+=(openssl)
command -v prometheus >/dev/null || need+=(prometheus)
command -v envsubst >/dev/null || need+=(gettext-base)
# The player example's end-to-end test drives Debian's Chromium through playwright-core (no browser download).
command -v chromium >/dev/null || need+=(chromium)
command -v wrk >/dev/null || need+=(wrk)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "installing: ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >/dev/null && apt-get install -y -q --no-install-recommends "${need[@]}" >/dev/null \
    || echo "warning: could not install ${need[*]}; suites that need them will skip or fail with a message"
else
  echo "missing: ${need[*]} (install with: apt-get update && apt-get install -y ${need[*]})"
fi
exit 0
