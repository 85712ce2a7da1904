#!/usr/bin/env bash
# procwire events as a command: options, errors, filters, text output, and
# that it leaves nothing in the kernel after SIGINT, SIGTERM or SIGKILL.
#
#   ns cli  10.78.0.1/24  ──veth──  ns srv  10.78.0.2/24
#   pwf-a, pwf-b, pwf-c clients     pws-srv tcp/7001 echo
. "$(dirname "$0")/../lib.sh"

need_root "events cli"
PEER=$PW_BUILD/tests/unit/owner/owner_peer
if [ ! -x "$PEER" ] || [ ! -x "$PROCWIRE" ]; then
	tap_skip "events cli" "build $PEER and $PROCWIRE first"
	tap_done
	exit 0
fi
remove_stale_namespaces
tmp=$(mktemp -d /tmp/pw-events-XXXXXX)
chmod 755 "$tmp"
on_exit "rm -rf $tmp"
on_exit "touch $tmp/stop"
for n in pws-srv pwf-a pwf-b pwf-c pwf-held; do ln -s "$PEER" "$tmp/$n"; done

# --- options -------------------------------------------------------------
"$PROCWIRE" events --bogus >/dev/null 2>&1
tap_eq "unknown option exits 2" $? 2
"$PROCWIRE" events --children >/dev/null 2>"$tmp/err"
tap_eq "--children without --pid exits 2" $? 2
"$PROCWIRE" events --interval 0 --no-ebpf >/dev/null 2>&1
tap_eq "--interval 0 refused" $? 2
"$PROCWIRE" events --help | grep -q -- '--no-ebpf'
tap_ok $? "--help lists --no-ebpf"

# --- kernel objects are cleaned up ------------------------------------------
# Other procwire instances may run at the same time (tests run in
# parallel), so "ours" are the programs behind our process's descriptors.
progs_of() {	# prog ids held by pid $1
	cat /proc/"$1"/fdinfo/* 2>/dev/null | awk '/^prog_id:/ { print $2 }' |
		sort -u
}
alive() {	# how many of the prog ids in $@ still exist
	local id n=0
	for id in "$@"; do
		bpftool prog show id "$id" >/dev/null 2>&1 && n=$((n + 1))
	done
	echo $n
}
mounts() { grep -c cgroup2 /proc/self/mountinfo; }
mounts_before=$(mounts)

wait_ready() {	# wait_ready ERRFILE PID
	local i
	for ((i = 0; i < 100; i++)); do
		grep -q ready "$1" 2>/dev/null && return 0
		kill -0 "$2" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

wait_gone() {	# polls until none of the prog ids in $@ exists (bounded)
	local i
	for ((i = 0; i < 50; i++)); do
		[ "$(alive "$@")" -eq 0 ] && return 0
		sleep 0.1
	done
	return 1
}

if "$PROCWIRE" events --duration 0.2 >/dev/null 2>"$tmp/err" &&
   grep -q 'engine ebpf ready' "$tmp/err"; then
	ebpf=1
	tap_ok 0 "--duration ends the run with exit 0"
	grep -q 'engine ebpf: .* lost' "$tmp/err"
	tap_ok $? "counters printed at exit"
else
	ebpf=0
	tap_diag "$(cat "$tmp/err")"
	tap_skip "eBPF cases" "eBPF engine unavailable here"
fi

# --- privileges ------------------------------------------------------------
cp "$PROCWIRE" "$tmp/procwire"
chmod 755 "$tmp/procwire"
unpriv() {
	setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
		"$tmp/procwire" "$@"
}
if [ $ebpf -eq 1 ]; then
	unpriv events --duration 1 >/dev/null 2>"$tmp/err"
	tap_eq "unprivileged eBPF: exit 1" $? 1
	tap_eq "unprivileged eBPF: says what is needed" "$(cat "$tmp/err")" \
		"procwire: error: procwire events needs root or CAP_BPF+CAP_NET_ADMIN+CAP_PERFMON; run with sudo, or use --no-ebpf for polling"
fi
unpriv events --no-ebpf --interval 0.1 --duration 0.3 >/dev/null 2>"$tmp/err"
tap_eq "unprivileged --no-ebpf polls and exits 0" $? 0


if [ $ebpf -eq 1 ]; then
	for sig in INT TERM KILL; do
		"$PROCWIRE" events >/dev/null 2>"$tmp/err.$sig" &
		pid=$!
		on_exit "kill -9 $pid"
		wait_ready "$tmp/err.$sig" $pid
		tap_ok $? "SIG$sig case: started"
		ids=($(progs_of $pid))
		tap_ok "$([ ${#ids[@]} -ge 10 ]; echo $?)" \
			"SIG$sig case: programs loaded (${#ids[@]})"
		tap_eq "SIG$sig case: no cgroup2 mount visible" "$(mounts)" \
			"$mounts_before"
		kill -$sig $pid
		{ wait $pid; } 2>/dev/null
		rc=$?
		if [ $sig = KILL ]; then
			tap_eq "SIGKILL: killed" $rc 137
		else
			tap_eq "SIG$sig: clean exit 0" $rc 0
		fi
		wait_gone "${ids[@]}"
		tap_ok $? "SIG$sig: every program gone"
		tap_eq "SIG$sig: no mount left" "$(mounts)" "$mounts_before"
	done
fi

# --- filters and output -----------------------------------------------------
netns_new CLI cli || exit 1
netns_new SRV srv || exit 1
veth_link "$CLI" 10.78.0.1/24 "$SRV" 10.78.0.2/24 >/dev/null || exit 1
ip netns exec "$SRV" "$tmp/pws-srv" tcp-server 7001 2 "$tmp/stop" \
	>/dev/null 2>&1 &
wait_port "$SRV" tcp 7001 || { tap_ok 1 "server started"; tap_done; exit 1; }

# filter_case NAME EVENTS-OPTIONS...: runs pwf-a and pwf-b once each, and
# a shell (pid $SHELL_PID, started first) that runs pwf-c after "go".
filter_case() {
	local name=$1; shift
	rm -f "$tmp/go"
	ip netns exec "$CLI" bash -c 'for ((i = 0; i < 100; i++)); do
		[ -e "$1/go" ] && break; sleep 0.05; done
		"$1/pwf-c" tcp 10.78.0.2 7001' _ "$tmp" >"$tmp/$name.c" 2>&1 &
	SHELL_PID=$!
	local opts=("$@")
	opts=("${opts[@]//@SHELL@/$SHELL_PID}")
	"$PROCWIRE" events "${opts[@]}" >"$tmp/$name.out" 2>"$tmp/$name.err" &
	local pid=$!
	on_exit "kill -9 $pid"
	wait_ready "$tmp/$name.err" $pid || return 1
	ip netns exec "$CLI" "$tmp/pwf-a" tcp 10.78.0.2 7001 >"$tmp/$name.a"
	ip netns exec "$CLI" "$tmp/pwf-b" tcp 10.78.0.2 7001 >"$tmp/$name.b"
	touch "$tmp/go"
	wait $SHELL_PID
	sleep 0.3
	kill -INT $pid
	wait $pid
}

cookie_of() { sed -n 's/.*cookie=\([0-9]*\).*/\1/p' "$1"; }
has_cookie() { grep -c "\"cookie\":$(cookie_of "$2")," "$1"; }

if [ $ebpf -eq 1 ]; then
	filter_case name --json --name pwf-a
	tap_ok "$([ "$(has_cookie "$tmp/name.out" "$tmp/name.a")" -gt 0 ]; echo $?)" \
		"--name: the named process's flow is shown"
	tap_eq "--name: no other process" \
		"$(grep -vc '"comm":"pwf-a"' "$tmp/name.out")" 0
	filter_case pid --json --pid @SHELL@ --children
	tap_ok "$([ "$(has_cookie "$tmp/pid.out" "$tmp/pid.c")" -gt 0 ]; echo $?)" \
		"--pid --children: the child's flow is shown"
	tap_eq "--pid --children: unrelated processes hidden" \
		"$(grep -c '"comm":"pwf-[ab]"' "$tmp/pid.out")" 0
	filter_case cg --json --cgroup /
	tap_ok "$([ "$(has_cookie "$tmp/cg.out" "$tmp/cg.b")" -gt 0 ]; echo $?)" \
		"--cgroup /: everything in the root cgroup shown"
	filter_case text --name pwf-b
	line=$(grep ' connect ' "$tmp/text.out" | head -1)
	lport=$(sed -n 's/.*lport=\([0-9]*\).*/\1/p' "$tmp/text.b")
	pid=$(sed -n 's/.*pid=\([0-9]*\) .*/\1/p' "$tmp/text.b")
	echo "$line" | grep -q "10.78.0.1:$lport *10.78.0.2:7001 *$pid pwf-b *ebpf-socket"
	rc=$?
	[ $rc -eq 0 ] || tap_diag "text line: $line"
	tap_ok $rc "text: connect line with endpoints, pid, name, method"
fi

# A reader that goes away (| head -1) ends the run with exit 0.
if [ $ebpf -eq 1 ]; then
	( timeout 20 "$PROCWIRE" events --name pwf-a | head -1 >"$tmp/head.out"
	  echo "${PIPESTATUS[0]}" >"$tmp/head.rc" ) 2>"$tmp/head.err" &
	sub=$!
	for ((i = 0; i < 100; i++)); do
		grep -q ready "$tmp/head.err" 2>/dev/null && break
		sleep 0.1
	done
	for ((i = 0; i < 20; i++)); do
		ip netns exec "$CLI" "$tmp/pwf-a" tcp 10.78.0.2 7001 >/dev/null
		[ -s "$tmp/head.rc" ] && break
		sleep 0.2
	done
	wait $sub
	tap_eq "closed output pipe: exit 0" "$(cat "$tmp/head.rc")" 0
	tap_eq "closed output pipe: one line read" \
		"$(grep -c pwf-a "$tmp/head.out")" 1
fi

# Accepted sockets are reported once, by their first user: a worker
# forked by the listener's owner is named in the accept itself (no
# listener owner, then a change); one the parent closes without using is
# reported with the listener's owner when it leaves ESTABLISHED, its
# close after it.
if [ $ebpf -eq 1 ]; then
	cat >"$tmp/prefork.py" <<'PY'
import os, socket, sys
ls = socket.socket()
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind(("10.78.0.2", 7002))
ls.listen(4)
open(sys.argv[1] + ".tmp", "w").write("%d\n" % os.getpid())
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
child = os.fork()
if child == 0:
    c, _ = ls.accept()
    c.sendall(c.recv(16))
    c.close()
    os._exit(0)
os.waitpid(child, 0)
open(sys.argv[2], "w").write("%d\n" % child)
c, _ = ls.accept()
c.close()
PY
	"$PROCWIRE" events --json >"$tmp/acc.out" 2>"$tmp/acc.err" &
	pid=$!
	on_exit "kill -9 $pid"
	wait_ready "$tmp/acc.err" $pid
	ip netns exec "$SRV" python3 "$tmp/prefork.py" "$tmp/parent.pid" \
		"$tmp/child.pid" &
	srvpy=$!
	wait_port "$SRV" tcp 7002
	ip netns exec "$CLI" python3 -c '
import socket, time
c = socket.create_connection(("10.78.0.2", 7002)); c.sendall(b"hi")
c.recv(16); c.close()
time.sleep(0.1)
c = socket.create_connection(("10.78.0.2", 7002)); time.sleep(0.2)
c.close()'
	wait $srvpy
	sleep 0.3
	kill -INT $pid; wait $pid
	parent=$(cat "$tmp/parent.pid"); child=$(cat "$tmp/child.pid")
	grep '"sport":7002,' "$tmp/acc.out" >"$tmp/acc.srv"
	tap_eq "accept: both accepted sockets reported once" \
		"$(grep -c '"event":"accept"' "$tmp/acc.srv")" 2
	used=$(grep '"event":"accept"' "$tmp/acc.srv" | grep "\"pid\":$child," |
		sed -n 's/.*"cookie":\([0-9]*\),.*/\1/p')
	tap_ok "$([ -n "$used" ]; echo $?)" \
		"accept: the worker that used the socket is its owner"
	tap_eq "accept: no owner change reported for it" \
		"$(grep "\"cookie\":$used," "$tmp/acc.srv" |
		   grep -c '"event":"owner"')" 0
	idle=$(grep '"event":"accept"' "$tmp/acc.srv" | grep "\"pid\":$parent," |
		sed -n 's/.*"cookie":\([0-9]*\),.*/\1/p')
	tap_ok "$([ -n "$idle" ]; echo $?)" \
		"accept: a socket never used keeps the listener's owner"
	tap_eq "accept: the unused socket's accept comes before its close" \
		"$(grep "\"cookie\":$idle," "$tmp/acc.srv" |
		   sed -n 's/.*"event":"\([a-z]*\)".*/\1/p' | tr '\n' ' ')" \
		"accept close "
	[ -n "$idle" ] || tap_diag "$(cat "$tmp/acc.srv")"
fi

# Polling with a flow that outlives the interval: the held connection.
rm -f "$tmp/go"
ip netns exec "$CLI" "$tmp/pwf-held" hold 10.78.0.2 7001 "$tmp/go" \
	>"$tmp/held.out" 2>&1 &
for ((i = 0; i < 50; i++)); do
	grep -q client "$tmp/held.out" 2>/dev/null && break
	sleep 0.1
done
"$PROCWIRE" events --json --no-ebpf --interval 0.05 --name pwf-held \
	>"$tmp/poll.out" 2>"$tmp/poll.err" &
pid=$!
on_exit "kill -9 $pid"
wait_ready "$tmp/poll.err" $pid
sleep 0.3
touch "$tmp/go"
sleep 0.3
kill -INT $pid; wait $pid
c=$(cookie_of "$tmp/held.out")
tap_ok "$(grep "\"cookie\":$c," "$tmp/poll.out" | grep '"event":"existing"' | grep -q '"method":"polling"'; echo $?)" \
	"polling: connection open at start reported as existing, method polling"
tap_ok "$(grep "\"cookie\":$c," "$tmp/poll.out" | grep -q '"event":"close"'; echo $?)" \
	"polling: its close is reported"

touch "$tmp/stop"
tap_done
