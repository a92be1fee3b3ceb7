#!/usr/bin/env bash
# The system packages the test suite and the benchmarks need beside Python: nginx (the scale-out
# test runs several service instances behind it), poppler-utils (PDF text and page images) and
# tmux (the typing benchmark drives the app in a real terminal).
# Installed with apt-get when missing and this runs as root; otherwise it says what to install.
set -euo pipefail
missing=()
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing+=(nginx)
command -v pdftotext >/dev/null 2>&1 || missing+=(poppler-utils)
command -v tmux >/dev/null 2>&1 || missing+=(tmux)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing system packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # The Debian package starts a default nginx on port 80; the tests run their own.
  if command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ]; then
    (service nginx stop || /usr/sbin/nginx -s stop) >/dev/null 2>&1 || true
  fi
else
  echo "please install these system packages: ${missing[*]}" >&2
  exit 1
fi
