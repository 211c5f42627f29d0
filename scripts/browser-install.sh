#!/usr/bin/env bash
# pnpm browser:install: Debian's Chromium, which the developer-page specs drive headless through
# puppeteer-core (browser downloads are impossible here, and a distribution's browser is patched).
# Idempotent: does nothing when Chromium is there already.
set -euo pipefail
if command -v chromium >/dev/null; then
  echo "$(chromium --version 2>/dev/null | head -1) is installed"
  exit 0
fi
sudo=""
if [ "$(id -u)" != 0 ]; then
  command -v sudo >/dev/null || { echo "Installing Chromium needs root: run as root, or install the Debian package chromium" >&2; exit 1; }
  sudo="sudo"
fi
echo "installing chromium (apt-get)"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >/dev/null
echo "$(chromium --version 2>/dev/null | head -1) installed"
