#!/usr/bin/env bash
# pnpm directory:install: the Debian packages of a Samba Active Directory domain controller, which
# the directory specs, the directory benchmark and `pnpm directory:demo` start on loopback.
# Idempotent: does nothing when Samba is there already.
set -euo pipefail
source "$(dirname "$0")/lib/apt-install.sh"
packages=(samba samba-ad-provision samba-dsdb-modules samba-vfs-modules winbind ldap-utils openssl)
if command -v samba >/dev/null && command -v samba-tool >/dev/null && command -v openssl >/dev/null; then
  echo "Samba $(samba --version | awk '{print $2}') is installed"
  exit 0
fi
apt_install "${packages[@]}"
# The Debian package starts its own services; the platform runs its DC from a folder of its own.
as_root systemctl disable --now samba-ad-dc smbd nmbd winbind >/dev/null 2>&1 || true
echo "Samba $(samba --version | awk '{print $2}') installed"
