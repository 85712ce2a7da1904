#!/usr/bin/env bash
# Installs every Debian package procwire needs to build, test and benchmark.
# Idempotent: packages already present are not reinstalled, and apt's lists
# are refreshed only when something is missing.
set -euo pipefail

build_deps=(
  meson ninja-build pkg-config gcc clang llvm lld
  libbpf-dev libelf-dev bpftool linux-libc-dev
  libpcap-dev libnetfilter-queue-dev libmnl-dev
  libluajit-5.1-dev libssl-dev libsodium-dev libncurses-dev zlib1g-dev
  libclang-rt-14-dev clang-tidy
)
test_deps=(
  iproute2 iptables ethtool tcpdump tshark curl openssl dnsmasq dnsutils
  socat ncat iperf3 hping3 python3 python3-scapy python3-dpkt
  openssh-client openssh-server chrony ngtcp2-client ngtcp2-server libndpi-bin
  procps psmisc util-linux hyperfine
)

missing=()
for p in "${build_deps[@]}" "${test_deps[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' \
    || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "setup: missing packages: ${missing[*]}" >&2
  echo "setup: run as root (or install them with apt-get) and try again" >&2
  exit 1
fi

echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# tshark asks whether non-root users may capture; answer once, quietly.
echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# Debian enables sshd/dnsmasq/chrony services on install; tests start their
# own instances inside namespaces, so the system copies stay off.
for s in ssh dnsmasq chrony; do
  systemctl disable --now "$s" >/dev/null 2>&1 || true
done
