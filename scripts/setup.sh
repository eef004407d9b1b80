#!/usr/bin/env bash
# Installs what vrrpd's lab, tests and demo need on a Debian machine with Node 20,
# then builds. Idempotent: each step is skipped when its result is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v ip >/dev/null 2>&1 || need_apt+=(iproute2)
command -v keepalived >/dev/null 2>&1 || need_apt+=(keepalived)
command -v nginx >/dev/null 2>&1 || need_apt+=(nginx-light)
command -v tcpdump >/dev/null 2>&1 || need_apt+=(tcpdump)
command -v pkill >/dev/null 2>&1 || need_apt+=(procps)
command -v curl >/dev/null 2>&1 || need_apt+=(curl)
command -v ping >/dev/null 2>&1 || need_apt+=(iputils-ping)
command -v setpriv >/dev/null 2>&1 || need_apt+=(util-linux)
command -v killall >/dev/null 2>&1 || need_apt+=(psmisc)
command -v systemd-analyze >/dev/null 2>&1 || need_apt+=(systemd)
command -v man >/dev/null 2>&1 || need_apt+=(man-db)
command -v /usr/lib/frr/vrrpd >/dev/null 2>&1 || need_apt+=(frr)
command -v nft >/dev/null 2>&1 || need_apt+=(nftables)
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup: missing ${need_apt[*]}; run as root (or install them) to set up the lab" >&2
  else
    echo "setup: installing ${need_apt[*]}"
    apt-get update -qq
    # policy-rc.d keeps Debian from starting nginx/keepalived/frr on the host itself:
    # they only ever run inside the lab's network namespaces.
    if [ ! -e /usr/sbin/policy-rc.d ]; then
      printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
      trap 'rm -f /usr/sbin/policy-rc.d' EXIT
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
  fi
fi

if [ ! -d node_modules/tap ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: npm ci"
  npm ci --no-audit --no-fund
fi
npm run --silent build
