#!/usr/bin/env bash
# pnpm pgbouncer:install: Debian's PgBouncer, which the PgBouncer spec (transaction pooling between
# the services and PostgreSQL) starts on loopback. Idempotent: does nothing when it is there.
set -euo pipefail
source "$(dirname "$0")/lib/apt-install.sh"
if [ -x /usr/sbin/pgbouncer ]; then
  echo "$(/usr/sbin/pgbouncer --version | head -1) is installed"
  exit 0
fi
apt_install pgbouncer
# The Debian package starts its own service; the spec runs PgBouncer from a folder of its own.
as_root systemctl disable --now pgbouncer >/dev/null 2>&1 || true
echo "$(/usr/sbin/pgbouncer --version | head -1) installed"
