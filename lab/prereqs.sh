#!/bin/bash
# Checks for the system packages the lab needs; as root on Debian, installs the missing ones.
# Idempotent and quiet when everything is present. With --check it only reports what is missing
# (exit 1): `lab up` runs that first, so that a machine without sshd fails there, not later.
set -euo pipefail
check_only=false
[ "${1:-}" = --check ] && check_only=true
export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"

missing=()
need() { # need COMMAND PACKAGE
  command -v "$1" >/dev/null 2>&1 || missing+=("$2")
}
need sshd openssh-server
need ssh openssh-client
need ssh-keygen openssh-client
need sudo sudo
need ip iproute2
need nft nftables
need python3 python3
need openssl openssl
need ps procps
need pgrep procps
need sysctl procps
need nsenter util-linux
need unshare util-linux
need kubectl kubernetes-client
# the nodes' systemctl, journalctl and auditctl are a small C client built at `lab up`
need cc gcc
[ -e /usr/include/stdio.h ] || missing+=(libc6-dev)
# the shell completion tests run the generated scripts in each shell
need zsh zsh
need fish fish
# the HTML report tests open the page in Debian's chromium (playwright-core brings no browser)
need chromium chromium
if command -v python3 >/dev/null 2>&1; then
  python3 -c 'import yaml' 2>/dev/null || missing+=(python3-yaml)
fi

if [ "${#missing[@]}" -gt 0 ]; then
  mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
  if ! $check_only && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "lab prereqs: installing ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "lab prereqs: missing packages: ${missing[*]} (bash lab/prereqs.sh as root installs them: npm test and npm run demo run it first)" >&2
    exit 1
  fi
fi

# The stand-ins parse TOML with the standard library (Python 3.11+, as in Debian 12).
if ! python3 -c 'import tomllib' 2>/dev/null; then
  echo "lab prereqs: python3 >= 3.11 is needed (found $(python3 --version 2>&1))" >&2
  exit 1
fi
