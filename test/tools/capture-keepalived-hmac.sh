#!/usr/bin/env bash
# Captures keepalived 2.4's auth_hmac adverts (VRRPv2 and v3 over IPv4 multicast, v3 unicast
# with a second key, v3 over IPv6, and receive-only, which sends none) in two private
# namespaces and prints them as JSON fixtures.
# packages/vrrp/test/fixtures/keepalived-2.4.3-hmac-adverts.json was made with this script:
#   KEEPALIVED_24=/tmp/ka243/bin/keepalived test/tools/capture-keepalived-hmac.sh
# (keepalived v2.4.3 built from its source: ./configure --disable-lvs ...; make).
set -euo pipefail
KA=${KEEPALIVED_24:?set KEEPALIVED_24 to a keepalived 2.4 binary}
work=$(mktemp -d)
A=tRcap-ka; B=tRcap-peer
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
ip link add tRcap0 netns $A type veth peer name tRcap1 netns $B
for ns in $A $B; do ip netns exec $ns sysctl -qw net.ipv6.conf.all.addr_gen_mode=1 net.ipv6.conf.default.addr_gen_mode=1; done
ip netns exec $A sysctl -qw net.ipv6.conf.tRcap0.addr_gen_mode=1; ip netns exec $B sysctl -qw net.ipv6.conf.tRcap1.addr_gen_mode=1
ip -n $A addr add 192.0.2.10/24 dev tRcap0; ip -n $B addr add 192.0.2.20/24 dev tRcap1
ip -n $A addr add fe80::10/64 dev tRcap0 nodad; ip -n $B addr add fe80::20/64 dev tRcap1 nodad
ip -n $A link set tRcap0 up; ip -n $B link set tRcap1 up; ip -n $A link set lo up
KEY1=hex:000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
KEY2=tandem-auth-hmac-fixture-key-two-0123456789
cat > "$work/ka.conf" <<CONF
global_defs { router_id cap }
vrrp_instance HV2 {
  state BACKUP
  interface tRcap0
  virtual_router_id 71
  priority 150
  advert_int 1
  auth_hmac {
    key 1 $KEY1
    active_key 1
  }
  virtual_ipaddress { 192.0.2.171/24 }
}
vrrp_instance HV3 {
  state BACKUP
  interface tRcap0
  version 3
  virtual_router_id 72
  priority 140
  advert_int 1
  auth_hmac {
    key 1 $KEY1
    active_key 1
    anti_replay monotonic
  }
  virtual_ipaddress { 192.0.2.172/24 }
}
vrrp_instance HUNI {
  state BACKUP
  interface tRcap0
  version 3
  virtual_router_id 73
  priority 130
  advert_int 1
  unicast_src_ip 192.0.2.10
  unicast_peer { 192.0.2.20 }
  auth_hmac {
    key 1 $KEY1
    key 2 $KEY2
    active_key 2
    mode permissive
  }
  virtual_ipaddress { 192.0.2.173/24 }
}
vrrp_instance HV6 {
  state BACKUP
  interface tRcap0
  virtual_router_id 74
  priority 120
  advert_int 1
  auth_hmac {
    key 1 $KEY1
    active_key 1
  }
  virtual_ipaddress { fe80::174/64 }
}
vrrp_instance HRO {
  state BACKUP
  interface tRcap0
  version 3
  virtual_router_id 75
  priority 110
  advert_int 1
  auth_hmac {
    key 1 $KEY1
    active_key 1
    mode receive-only
  }
  virtual_ipaddress { 192.0.2.175/24 }
}
CONF
ip netns exec $A "$KA" -t -f "$work/ka.conf" >&2
ip netns exec $B timeout 12 tcpdump -i tRcap1 -nn -w "$work/cap.pcap" 'ip proto 112 or ip6 proto 112' >/dev/null 2>&1 &
dump=$!
sleep 0.5
ip netns exec $A "$KA" -n -l -D -f "$work/ka.conf" -p "$work/ka.pid" -r "$work/vrrp.pid" >"$work/ka.log" 2>&1 &
echo $! > "$work/launcher.pid"
# BACKUP for 3 s, then master; stopping it afterwards adds the priority-0 adverts.
sleep 8
kill "$(cat "$work/launcher.pid")" 2>/dev/null || echo "keepalived had already stopped" >&2
wait $dump || true; cat "$work/ka.log" >&2
{
  echo "{\"source\": \"$("$KA" --version 2>&1 | head -1), auth_hmac: key 1 $KEY1, key 2 (ASCII) $KEY2; captured with test/tools/capture-keepalived-hmac.sh\", \"packets\": "
  tcpdump -r "$work/cap.pcap" -nn -v -x 2>/dev/null | node "$(dirname "$0")/tcpdump-to-fixtures.js"
  echo "}"
}
