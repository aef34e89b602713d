#!/usr/bin/env bash
# Captures real keepalived adverts (v2 PASS, v2 none, v3 IPv4, v3 IPv6) in two
# private namespaces and prints one JSON fixture per packet on stdout. The
# fixtures under packages/vrrp/test/fixtures were made with this script.
set -euo pipefail
work=$(mktemp -d)
A=tdcap-ka; B=tdcap-peer
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
ip -n $A addr add fd00:2::10/64 dev cap0 nodad; ip -n $B addr add fd00:2::20/64 dev cap1 nodad
ip -n $A link set cap0 up; ip -n $B link set cap1 up; ip -n $A link set lo up
sleep 2   # link-local addresses leave DAD
cat > "$work/ka.conf" <<CONF
global_defs { router_id cap }
vrrp_instance V2PASS {
  state MASTER
  interface cap0
  virtual_router_id 51
  priority 150
  advert_int 1
  authentication { auth_type PASS
    auth_pass secret12 }
  virtual_ipaddress {
    192.0.2.100/24
    192.0.2.101/24
  }
}
vrrp_instance V2NONE {
  state MASTER
  interface cap0
  virtual_router_id 52
  priority 100
  advert_int 2
  virtual_ipaddress { 192.0.2.102/24 }
}
vrrp_instance V3V4 {
  version 3
  state MASTER
  interface cap0
  virtual_router_id 53
  priority 200
  advert_int 0.5
  virtual_ipaddress { 192.0.2.103/24 }
}
vrrp_instance V3V6 {
  version 3
  state MASTER
  interface cap0
  virtual_router_id 54
  priority 120
  advert_int 1
  virtual_ipaddress {
    fe80::54/64
    fd00:2::54/64
  }
}
vrrp_instance V3UNI {
  version 3
  state MASTER
  interface cap0
  virtual_router_id 55
  priority 110
  advert_int 1
  unicast_src_ip 192.0.2.10
  unicast_peer { 192.0.2.20 }
  virtual_ipaddress { 192.0.2.105/24 }
}
CONF
ip netns exec $B timeout 12 tcpdump -i cap1 -nn -w "$work/cap.pcap" 'ip proto 112 or ip6 proto 112' >/dev/null 2>&1 &
dump=$!
sleep 0.5
ip netns exec $A keepalived -n -l -f "$work/ka.conf" -p "$work/ka.pid" -r "$work/vrrp.pid" -c "$work/check.pid" >"$work/ka.log" 2>&1 &
echo $! > "$work/launcher.pid"
# Let every instance become master, then stop keepalived to capture its priority-0 adverts.
sleep 8
kill "$(cat "$work/launcher.pid")"
wait $dump || true; cat "$work/ka.log" >&2
ls -la "$work" >&2; tcpdump -r "$work/cap.pcap" -nn -v -x | node "$(dirname "$0")/tcpdump-to-fixtures.js"
