# Sourced by the install scripts. as_root runs a command as root (through sudo when not root);
# apt_install <package …> installs Debian packages that way.
as_root() {
  if [ "$(id -u)" = 0 ]; then
    "$@"
  else
    command -v sudo >/dev/null || { echo "This needs root: run as root, or run by hand: $*" >&2; exit 1; }
    sudo "$@"
  fi
}

apt_install() {
  echo "installing $* (apt-get)"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}
