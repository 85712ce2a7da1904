# Shared helpers for shell tests: TAP output, namespaces, cleanup.
#
# A test sources this file, calls tap_* for each check and ends with
# tap_done. Anything it creates (namespaces, links, files) is registered with
# on_exit so that one EXIT trap removes it even when the test fails.

PW_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
: "${PW_BUILD:=$PW_ROOT/build}"
PROCWIRE=${PROCWIRE:-$PW_BUILD/procwire}
PYTHON=/usr/bin/python3	# Debian's, with scapy and dpkt
PW_TAG="pwt-$$"		# prefix of everything this test creates

_tap_n=0
_tap_failed=0
_on_exit=()

tap_ok() {	# tap_ok COND_EXIT_CODE NAME
	_tap_n=$((_tap_n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $_tap_n - $2"
	else
		echo "not ok $_tap_n - $2"
		_tap_failed=$((_tap_failed + 1))
	fi
}

tap_check() {	# tap_check NAME CMD...: ok when CMD succeeds
	local name=$1; shift
	"$@"
	tap_ok $? "$name"
}

tap_eq() {	# tap_eq NAME GOT WANT
	if [ "$2" = "$3" ]; then
		tap_ok 0 "$1"
	else
		echo "# $1: got '$2', want '$3'"
		tap_ok 1 "$1"
	fi
}

tap_skip() {	# tap_skip NAME REASON
	_tap_n=$((_tap_n + 1))
	echo "ok $_tap_n - $1 # SKIP $2"
}

tap_diag() { echo "# $*"; }

# Lines "ok TEXT" / "bad TEXT" (a comparison script's verdicts) as TAP
# results; other lines become diagnostics. tap_verdicts FILE
tap_verdicts() {
	local verdict rest
	while read -r verdict rest; do
		case $verdict in
		ok) tap_ok 0 "$rest" ;;
		bad) tap_ok 1 "$rest" ;;
		*) echo "# $verdict $rest" ;;
		esac
	done <"$1"
}

tap_done() {
	echo "1..$_tap_n"
	[ "$_tap_failed" -eq 0 ]
}

on_exit() { _on_exit+=("$*"); }

_run_on_exit() {
	local i
	for ((i = ${#_on_exit[@]} - 1; i >= 0; i--)); do
		eval "${_on_exit[$i]}" >/dev/null 2>&1 || true
	done
}
trap _run_on_exit EXIT
trap 'exit 130' INT TERM

need_root() {	# skips the whole test (exit 0, one skip line) when not root
	if [ "$(id -u)" -ne 0 ]; then
		tap_skip "$1" "needs root"
		tap_done
		exit 0
	fi
}

# Removes namespaces left by earlier, killed runs of any test.
remove_stale_namespaces() {
	local ns
	for ns in $(ip netns list 2>/dev/null | awk '/^pwt-/{print $1}'); do
		local pid=${ns#pwt-}; pid=${pid%%-*}
		if ! kill -0 "$pid" 2>/dev/null; then
			ip netns pids "$ns" 2>/dev/null | xargs -r kill -9 2>/dev/null
			ip netns del "$ns" 2>/dev/null
		fi
	done
}

# netns_new VAR NAME: creates namespace $PW_TAG-NAME with loopback up,
# stores its name in VAR and registers its removal (killing whatever still
# runs inside). Not for use in $(...): the removal must be registered in
# this shell.
netns_new() {
	local ns="$PW_TAG-$2"
	ip netns add "$ns" || return 1
	on_exit "ip netns pids $ns | xargs -r kill -9; ip netns del $ns"
	ip -n "$ns" link set lo up
	printf -v "$1" '%s' "$ns"
}

# veth_link NS_A ADDR_A NS_B ADDR_B [ADDR6_A ADDR6_B]: a veth pair between
# two namespaces with the given addresses (CIDR).
veth_link() {
	local a=$1 aa=$2 b=$3 ba=$4 a6=${5:-} b6=${6:-}
	local ia=v$$a$RANDOM ib=v$$b$RANDOM
	ia=${ia:0:15}; ib=${ib:0:15}
	ip link add "$ia" netns "$a" type veth peer name "$ib" netns "$b" || return 1
	ip -n "$a" addr add "$aa" dev "$ia"
	ip -n "$b" addr add "$ba" dev "$ib"
	if [ -n "$a6" ]; then
		ip -n "$a" addr add "$a6" dev "$ia" nodad
		ip -n "$b" addr add "$b6" dev "$ib" nodad
	fi
	ip -n "$a" link set "$ia" up
	ip -n "$b" link set "$ib" up
	echo "$ia $ib"
}

# wait_port NS PROTO PORT: waits (bounded: 20 s, a loaded CI machine can
# take seconds to start a python server) until something listens.
wait_port() {
	local i
	for ((i = 0; i < 200; i++)); do
		if ip netns exec "$1" ss -Hln"${2:0:1}" "sport = :$3" | grep -q .; then
			return 0
		fi
		sleep 0.1
	done
	return 1
}
