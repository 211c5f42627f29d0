#!/usr/bin/env bash
# pnpm browser:install: Debian's Chromium, which the developer-page specs drive headless through
# puppeteer-core (browser downloads are impossible here, and a distribution's browser is patched).
# Idempotent: does nothing when Chromium is there already.
set -euo pipefail
source "$(dirname "$0")/lib/apt-install.sh"
if command -v chromium >/dev/null; then
  echo "$(chromium --version 2>/dev/null | head -1) is installed"
  exit 0
fi
apt_install chromium
echo "$(chromium --version 2>/dev/null | head -1) installed"
