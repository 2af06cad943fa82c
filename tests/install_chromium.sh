#!/usr/bin/env bash
# Install what the review page's browser test needs, from Debian's packages: chromium (driven
# by Playwright, which never downloads a browser here) and a colour emoji font for the cards.
# Idempotent: does nothing when chromium is already there. Needs root (CI runs as root) or sudo.
set -euo pipefail
if [ -x "${BOT_CHROMIUM:-/usr/bin/chromium}" ]; then
  exit 0
fi
if [ "$(id -u)" = 0 ]; then
  sudo=""
elif command -v sudo >/dev/null 2>&1; then
  sudo="sudo"
else
  echo "tests/install_chromium.sh: chromium is missing and installing it needs root (apt-get install chromium)" >&2
  exit 1
fi
echo "installing chromium from Debian's packages (first run only)..." >&2
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
  chromium fonts-noto-color-emoji >/dev/null
