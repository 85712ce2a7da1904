# Censor topology for the audit tests: a client, a censor routing between
# it and a server, and the censor's iptables rules that block in the ways
# procwire audit must name. Source tests/lib.sh first.
#
#  +---- $NS_C ----+       +-------- $NS_X (censor) --------+       +---------- $NS_S ----------+
#  | the audited   | veth  | forwarding on, ip(6)tables      | veth  | openssl s_server :443     |
#  | app (curl,    |-------| FORWARD: see censor_rules below |-------|   :8443 :8444 (TLS)       |
#  | dig, socat)   |       |                                 |       | audit_http_server.py :80  |
#  | and another   |       | 10.77.1.254/24  10.77.2.254/24  |       |   (also on fd77:2::2)     |
#  | app           |       | fd77:1::fe/64   fd77:2::fe/64   |       | dnsmasq :53 (*.test)      |
#  | 10.77.1.1/24  |       +---------------------------------+       |   10.77.2.2/24 (named)    |
#  | fd77:1::1/64  |                                                 |   fd77:2::2/64            |
#  +---------------+                                                 | socat echo udp :7000-7005 |
#                                                                    |   tcp :9000, http :8080   |
#                                                                    |   10.77.2.3/24 (unnamed)  |
#                                                                    +---------------------------+
#
# Every name resolves through the server's dnsmasq; nothing leaves the
# three namespaces.

CENSOR_SRV=10.77.2.2		# the named services (DNS answers point here)
CENSOR_RAW=10.77.2.3		# services reached by address only
CENSOR_SRV6=fd77:2::2
CENSOR_NAMES="good.test blocked.test cut-tls.test syn.test icmp.test
	redirect.test rst-http.test cut.test dropdns.test"

# censor_up WORKDIR: namespaces, routes, servers, rules. Sets NS_C, NS_X,
# NS_S and IF_C (the client's veth, where the capture runs).
censor_up() {
	local work=$1 links n dns_args=() port
	remove_stale_namespaces
	netns_new NS_C client || return 1
	netns_new NS_X censor || return 1
	netns_new NS_S server || return 1
	links=$(veth_link "$NS_C" 10.77.1.1/24 "$NS_X" 10.77.1.254/24 \
		fd77:1::1/64 fd77:1::fe/64) || return 1
	IF_C=${links% *}
	links=$(veth_link "$NS_X" 10.77.2.254/24 "$NS_S" $CENSOR_SRV/24 \
		fd77:2::fe/64 $CENSOR_SRV6/64) || return 1
	ip -n "$NS_S" addr add $CENSOR_RAW/24 dev "${links#* }" || return 1
	ip -n "$NS_C" route add default via 10.77.1.254 || return 1
	ip -n "$NS_S" route add default via 10.77.2.254 || return 1
	ip -n "$NS_C" -6 route add default via fd77:1::fe || return 1
	ip -n "$NS_S" -6 route add default via fd77:2::fe || return 1
	ip netns exec "$NS_X" sysctl -qw net.ipv4.ip_forward=1 \
		net.ipv6.conf.all.forwarding=1 || return 1
	censor_rules || return 1

	mkdir -p "/etc/netns/$NS_C"
	on_exit "rm -rf /etc/netns/$NS_C"
	echo "nameserver $CENSOR_SRV" >"/etc/netns/$NS_C/resolv.conf"
	echo "127.0.0.1 localhost" >"/etc/netns/$NS_C/hosts"

	# --local keeps questions of other types (AAAA) answered here with
	# no data instead of refused for want of an upstream server.
	for n in $CENSOR_NAMES; do
		dns_args+=(--address="/$n/$CENSOR_SRV" --local="/$n/")
	done
	dns_args+=(--address=/blocked-dns.test/)	# NXDOMAIN
	ip netns exec "$NS_S" dnsmasq --no-daemon --no-resolv --no-hosts \
		--listen-address=$CENSOR_SRV --bind-interfaces "${dns_args[@]}" \
		--pid-file= --user=root >"$work/dnsmasq.log" 2>&1 &
	on_exit "kill $!"

	openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=good.test" \
		-keyout "$work/key.pem" -out "$work/cert.pem" >/dev/null 2>&1 ||
		return 1
	mkdir -p "$work/www" && echo "audit test page" >"$work/www/index.html"
	for port in 443 8443 8444; do
		(cd "$work/www" && exec ip netns exec "$NS_S" openssl s_server \
			-quiet -accept $port -naccept 100 -WWW \
			-cert "$work/cert.pem" -key "$work/key.pem" \
			>"$work/s_server.$port.log" 2>&1) &
		on_exit "kill $!"
	done
	ip netns exec "$NS_S" "$PYTHON" "$(dirname "${BASH_SOURCE[0]}")/audit_http_server.py" \
		$CENSOR_SRV 80 >"$work/http.log" 2>&1 &
	on_exit "kill $!"
	ip netns exec "$NS_S" "$PYTHON" "$(dirname "${BASH_SOURCE[0]}")/audit_http_server.py" \
		$CENSOR_SRV6 80 >"$work/http6.log" 2>&1 &
	on_exit "kill $!"
	ip netns exec "$NS_S" "$PYTHON" -m http.server --bind $CENSOR_RAW 8080 \
		--directory "$work/www" >"$work/http8080.log" 2>&1 &
	on_exit "kill $!"
	for port in 7000 7001 7002 7005; do
		ip netns exec "$NS_S" socat UDP4-RECVFROM:$port,bind=$CENSOR_RAW,fork \
			PIPE >/dev/null 2>&1 &
		on_exit "kill $!"
	done
	ip netns exec "$NS_S" socat TCP4-LISTEN:9000,bind=$CENSOR_RAW,fork,reuseaddr \
		PIPE >/dev/null 2>&1 &
	on_exit "kill $!"
	wait_port "$NS_S" udp 53 && wait_port "$NS_S" tcp 443 &&
		wait_port "$NS_S" tcp 8443 && wait_port "$NS_S" tcp 8444 &&
		wait_port "$NS_S" tcp 80 && wait_port "$NS_S" tcp 8080 &&
		wait_listen6 "$NS_S" "[$CENSOR_SRV6]:80" &&
		wait_port "$NS_S" tcp 9000 && wait_port "$NS_S" udp 7000
}

# wait_listen6 NS [ADDR]:PORT: waits (bounded) for a TCP listener there.
wait_listen6() {
	local i
	for ((i = 0; i < 50; i++)); do
		ip netns exec "$1" ss -Hltn "src $2" | grep -q . && return 0
		sleep 0.1
	done
	return 1
}

# The censor's rules, one per way of blocking (FORWARD: between the links).
# The string match sees one packet at a time: a ClientHello naming
# blocked.test is rejected with a TCP reset to its sender (the client)
# and itself dropped.
censor_rules() {
	local ipt="ip netns exec $NS_X iptables -w"
	local ip6t="ip netns exec $NS_X ip6tables -w"
	$ipt -A FORWARD -p tcp --syn --dport 8443 -j DROP &&
	$ipt -A FORWARD -p tcp --dport 8444 \
		-j REJECT --reject-with icmp-port-unreachable &&
	$ipt -A FORWARD -p tcp --dport 443 -m string --algo bm \
		--string blocked.test -j REJECT --reject-with tcp-reset &&
	$ipt -A FORWARD -p tcp --dport 443 -m string --algo bm \
		--string cut-tls.test -j DROP &&
	$ipt -A FORWARD -p tcp --dport 80 -m string --algo bm \
		--string "Host: rst-http.test" -j REJECT --reject-with tcp-reset &&
	$ipt -A FORWARD -p tcp --dport 9000 -m string --algo bm \
		--string FORBIDDEN -j DROP &&
	$ipt -A FORWARD -p udp --dport 7001 -j DROP &&
	$ipt -A FORWARD -p udp --dport 7005 -j DROP &&
	$ipt -A FORWARD -p udp --dport 7002 \
		-j REJECT --reject-with icmp-port-unreachable &&
	$ipt -A FORWARD -p udp --dport 53 -m string --algo bm \
		--string dropdns -j DROP &&
	$ip6t -A FORWARD -p tcp --dport 443 -m string --algo bm \
		--string blocked6.test -j REJECT --reject-with tcp-reset &&
	$ip6t -A FORWARD -p udp --dport 7003 \
		-j REJECT --reject-with adm-prohibited
}

# The audited application: one request per way of blocking, each bounded
# in time, one after the other.
censor_app() {
	local c="ip netns exec $NS_C" p
	$c curl -4 -sk --max-time 4 -o /dev/null https://good.test/index.html
	$c curl -4 -s --max-time 4 -o /dev/null http://good.test/
	$c curl -4 -sk --max-time 4 -o /dev/null https://blocked.test/
	$c curl -4 -sk --max-time 3 -o /dev/null https://cut-tls.test/
	$c curl -4 -sk --max-time 3 -o /dev/null https://syn.test:8443/
	$c curl -4 -sk --max-time 3 -o /dev/null https://icmp.test:8444/
	$c curl -4 -s --max-time 4 -o /dev/null http://redirect.test/
	$c curl -4 -s --max-time 4 -o /dev/null http://rst-http.test/
	$c curl -4 -s --max-time 4 -o /dev/null http://cut.test/
	$c curl -6 -s --max-time 4 -o /dev/null \
		--resolve "good6.test:80:[$CENSOR_SRV6]" http://good6.test/
	$c curl -6 -sk --max-time 4 -o /dev/null \
		--resolve "blocked6.test:443:[$CENSOR_SRV6]" https://blocked6.test/
	(echo hello; sleep 0.5; echo FORBIDDEN; sleep 3.5) |
		$c timeout 5 socat - TCP4:$CENSOR_RAW:9000 >/dev/null
	for p in 7000 7001 7002; do
		(for i in 1 2 3 4 5; do echo ping$i; sleep 0.2; done) |
			$c timeout 3 socat -T 1 - UDP4:$CENSOR_RAW:$p \
				>/dev/null 2>&1
	done
	(for i in 1 2 3; do echo ping$i; sleep 0.2; done) |
		$c timeout 3 socat -T 1 - "UDP6:[$CENSOR_SRV6]:7003" \
			>/dev/null 2>&1
	$c dig +time=1 +tries=2 good.test A >/dev/null
	$c dig +time=1 +tries=2 blocked-dns.test A >/dev/null
	$c dig +time=1 +tries=2 dropdns.test A >/dev/null
	return 0
}

# Another application on the same host at the same time, talking to its
# own ports (8080/tcp, 7005/udp, the latter dropped by the censor).
censor_other_app() {
	local c="ip netns exec $NS_C" i
	for ((i = 0; i < 5; i++)); do
		$c curl -4 -s --max-time 2 -o /dev/null http://$CENSOR_RAW:8080/
		(for j in 1 2 3 4; do echo x$j; sleep 0.1; done) |
			$c timeout 2 socat -T 1 - UDP4:$CENSOR_RAW:7005 >/dev/null
		sleep 0.5
	done
}
