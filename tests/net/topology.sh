# Two-host topology for recording real traffic, shared by the demo and the
# tests. Source tests/lib.sh first.
#
#    +------------- $NS_C -------------+        +------------- $NS_S -------------+
#    | curl, dig                       |  veth  | openssl s_server :443 (TLS)     |
#    | 10.77.0.1/24   fd77::1/64       |--------| python3 http.server :80 (HTTP)  |
#    | resolv.conf -> 10.77.0.2        |        | dnsmasq :53 (DNS, *.demo.test)  |
#    +---------------------------------+        | 10.77.0.2/24   fd77::2/64       |
#                                               +---------------------------------+
#
# Hostnames resolve only through the namespace's dnsmasq; nothing leaves
# the two namespaces.

DEMO_HOST=www.demo.test
DEMO_ADDR4=10.77.0.2
DEMO_ADDR6=fd77::2

# topology_up WORKDIR: creates both namespaces and starts the servers.
# Sets NS_C, NS_S, IF_C (client-side veth).
topology_up() {
	local work=$1 links
	remove_stale_namespaces
	netns_new NS_C client || return 1
	netns_new NS_S server || return 1
	links=$(veth_link "$NS_C" 10.77.0.1/24 "$NS_S" 10.77.0.2/24 \
		fd77::1/64 fd77::2/64) || return 1
	IF_C=${links% *}

	# ip netns exec bind-mounts /etc/netns/NS/* over /etc: the client's
	# resolver is the server namespace's dnsmasq.
	mkdir -p "/etc/netns/$NS_C"
	on_exit "rm -rf /etc/netns/$NS_C"
	echo "nameserver $DEMO_ADDR4" >"/etc/netns/$NS_C/resolv.conf"
	echo "127.0.0.1 localhost" >"/etc/netns/$NS_C/hosts"

	openssl req -x509 -newkey rsa:2048 -nodes -days 1 \
		-subj "/CN=$DEMO_HOST" -keyout "$work/key.pem" \
		-out "$work/cert.pem" >/dev/null 2>&1 || return 1
	mkdir -p "$work/www" && echo "procwire demo page" >"$work/www/index.html"

	ip netns exec "$NS_S" dnsmasq --no-daemon --no-resolv --no-hosts \
		--listen-address="$DEMO_ADDR4" --bind-interfaces \
		--address="/demo.test/$DEMO_ADDR4" \
		--address="/demo.test/$DEMO_ADDR6" \
		--pid-file= --user=root >"$work/dnsmasq.log" 2>&1 &
	on_exit "kill $!"
	(cd "$work/www" && exec ip netns exec "$NS_S" openssl s_server -quiet \
		-accept 443 -naccept 1000 -WWW -cert "$work/cert.pem" \
		-key "$work/key.pem" >"$work/s_server.log" 2>&1) &
	on_exit "kill $!"
	(cd "$work/www" && exec ip netns exec "$NS_S" "$PYTHON" -m http.server \
		--bind :: 80 >"$work/http.log" 2>&1) &
	on_exit "kill $!"
	wait_port "$NS_S" udp 53 && wait_port "$NS_S" tcp 443 &&
		wait_port "$NS_S" tcp 80
}

# demo_traffic: a small, fixed set of client requests (each bounded).
demo_traffic() {
	local c="ip netns exec $NS_C"
	$c curl -sS -k --max-time 5 -o /dev/null "https://$DEMO_HOST/index.html"
	$c curl -sS --max-time 5 -o /dev/null "http://$DEMO_HOST/index.html"
	$c curl -sS -6 --max-time 5 -o /dev/null "http://$DEMO_HOST/index.html"
	$c dig +short +time=2 +tries=1 "api.demo.test" A >/dev/null
	$c dig +short +time=2 +tries=1 "api.demo.test" AAAA >/dev/null
}

# record_start FILE: tcpdump on the client's veth, packets flushed as they
# come (--immediate-mode: no ring-block delay; -U: written per packet) so
# the file is whole when we stop it.
record_start() {
	ip netns exec "$NS_C" tcpdump -i "$IF_C" --immediate-mode -U -s 0 -w "$1" \
		>"$1.log" 2>&1 &
	RECORD_PID=$!
	on_exit "kill $RECORD_PID"
	local i
	for ((i = 0; i < 50; i++)); do
		grep -q 'listening on' "$1.log" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

record_stop() {
	sleep 0.3	# let closing handshakes reach the capture
	kill -INT "$RECORD_PID" 2>/dev/null
	wait "$RECORD_PID" 2>/dev/null
	return 0
}
