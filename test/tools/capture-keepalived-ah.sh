#!/usr/bin/env bash
# Captures real keepalived VRRPv2 adverts with `auth_type AH` (multicast and
# unicast) in two private namespaces and prints them as JSON fixtures, whole
# datagrams included. packages/vrrp/test/fixtures/keepalived-2.2.7-ah-adverts.json
# was made with this script; the password is "ahsecret".
set -euo pipefail
work=$(mktemp -d)
A=tdah-ka; B=tdah-peer
cleanup() {
  if [ -f "$work/launcher.pid" ]; then
    kill "$(cat "$work/launcher.pid")" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$(cat "$work/launcher.pid")" 2>/dev/null || break; sleep 0.1; done
  fi
  ip netns del $A 2>/dev/null || true
  ip netns del $B 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
ip netns add $A; ip netns add $B
ip link add cap0 netns $A type veth peer name cap1 netns $B
ip -n $A addr add 192.0.2.10/24 dev cap0; ip -n $B addr add 192.0.2.20/24 dev cap1
ip -n $A link set cap0 up; ip -n $B link set cap1 up; ip -n $A link set lo up
cat > "$work/ka.conf" <<CONF
global_defs { router_id cap }
vrrp_instance AHMC {
  state BACKUP
  interface cap0
  virtual_router_id 61
  priority 150
  advert_int 1
  authentication {
    auth_type AH
    auth_pass ahsecret
  }
  virtual_ipaddress { 192.0.2.161/24 }
}
vrrp_instance AHUNI {
  state BACKUP
  interface cap0
  virtual_router_id 62
  priority 140
  advert_int 1
  authentication {
    auth_type AH
    auth_pass ahsecret
  }
  unicast_src_ip 192.0.2.10
  unicast_peer { 192.0.2.20 }
  virtual_ipaddress { 192.0.2.162/24 }
}
CONF
ip netns exec $B timeout 12 tcpdump -i cap1 -nn -w "$work/cap.pcap" 'ip proto 51' >/dev/null 2>&1 &
dump=$!
sleep 0.5
ip netns exec $A keepalived -n -l -f "$work/ka.conf" -p "$work/ka.pid" -r "$work/vrrp.pid" -c "$work/check.pid" >"$work/ka.log" 2>&1 &
echo $! > "$work/launcher.pid"
# BACKUP for 3 s, then master; stopping it afterwards adds the priority-0 adverts.
sleep 8
kill "$(cat "$work/launcher.pid")"
wait $dump || true; cat "$work/ka.log" >&2
tcpdump -r "$work/cap.pcap" -nn -v -x | node "$(dirname "$0")/tcpdump-to-fixtures.js"
