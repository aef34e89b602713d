#!/usr/bin/env bash
# Captures BFD control packets between keepalived 2.2.7's bfd process and FRR's bfdd
# (Debian 12) in two private namespaces and prints the JSON fixture file on stdout:
# one packet per distinct (sender, state, diag, P, F, timers). The fixture
# packages/bfd/test/fixtures/peers-bfd.json was made with this script
# (after `npm run build`, which compiles the tcpdump parser it uses).
# Sequence: both start (Down, Init, Up with Poll/Final at 1 s then 50 ms), keepalived
# stops hearing FRR (nftables drop) and goes Down with diag 1, the drop is lifted,
# then FRR is shut down administratively (AdminDown).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d); chmod 755 "$work"
K=tCcap-k; F=tCcap-f
cleanup() {
  for p in "$work"/ka.pid "$work"/frr/bfdd.pid "$work"/frr/zebra.pid; do
    [ -f "$p" ] && kill "$(cat "$p")" 2>/dev/null || true
  done
  sleep 0.5
  ip netns del $K 2>/dev/null || true
  ip netns del $F 2>/dev/null || true
  rm -rf "$work" "/var/run/frr/$F"
}
trap cleanup EXIT
ip netns add $K; ip netns add $F
ip link add eth0 netns $K type veth peer name eth0 netns $F
ip -n $K addr add 192.0.2.10/24 dev eth0; ip -n $F addr add 192.0.2.20/24 dev eth0
ip -n $K link set eth0 up; ip -n $F link set eth0 up; ip -n $K link set lo up; ip -n $F link set lo up
cat > "$work/ka.conf" <<CONF
global_defs { router_id tccap }
bfd_instance frr {
  neighbor_ip 192.0.2.20
  source_ip 192.0.2.10
  min_rx 50
  min_tx 50
  multiplier 3
}
CONF
D=$work/frr; mkdir -p "$D"
printf 'hostname %s\n!\n' $F > "$D/zebra.conf"
cat > "$D/bfdd.conf" <<CONF
hostname $F
!
bfd
 peer 192.0.2.10 local-address 192.0.2.20 interface eth0
  detect-multiplier 3
  receive-interval 50
  transmit-interval 50
  no shutdown
CONF
chown -R frr:frr "$D"
ip netns exec $F timeout 20 tcpdump -i eth0 -n -tt -x -U -w "$work/cap.pcap" 'udp port 3784' >/dev/null 2>&1 &
dump=$!
sleep 0.5
common=(-d -N $F --vty_socket "$D" -z "$D/zserv.api" -P 0)
ip netns exec $F /usr/lib/frr/zebra "${common[@]}" -f "$D/zebra.conf" -i "$D/zebra.pid" 2>/dev/null
ip netns exec $F /usr/lib/frr/bfdd "${common[@]}" -f "$D/bfdd.conf" -i "$D/bfdd.pid" --bfdctl "$D/bfdd.sock" 2>/dev/null
ip netns exec $K keepalived -n -l -f "$work/ka.conf" -p "$work/ka.pid" -r "$work/v.pid" -c "$work/c.pid" -b "$work/b.pid" >"$work/ka.log" 2>&1 &
sleep 4
# keepalived stops hearing FRR: it expires (diag 1) and tells FRR so.
ip netns exec $K nft -f - <<NFT
table inet tccap {
  chain in {
    type filter hook input priority 0; policy accept;
    udp dport 3784 drop
  }
}
NFT
sleep 1.5
ip netns exec $K nft delete table inet tccap
sleep 4
vtysh --vty_socket "$D" -c 'configure terminal' -c 'bfd' -c 'peer 192.0.2.10 local-address 192.0.2.20 interface eth0' -c 'shutdown' >/dev/null
sleep 2
kill $dump 2>/dev/null || true; wait $dump 2>/dev/null || true
tcpdump -r "$work/cap.pcap" -n -tt -x 2>/dev/null | node -e '
const { parseTcpdump } = require(process.argv[1]);
const who = { "192.0.2.10": "keepalived 2.2.7", "192.0.2.20": "FRR 8.4.4" };
const seen = new Set(); const packets = [];
for (const p of parseTcpdump(require("fs").readFileSync(0, "utf8"))) {
  const b = p.bfd; if (!b) continue;
  const key = [p.src, b.state, b.diag, b.poll, b.final, b.desiredMinTxUs, b.requiredMinRxUs, b.yourDiscriminator === 0].join("/");
  if (seen.has(key)) continue; seen.add(key);
  packets.push({ from: who[p.src], src: p.src, dst: p.dst, ttl: p.ttl, tos: p.tos, srcPort: p.srcPort, dstPort: p.dstPort, payloadHex: p.payload.toString("hex"), tcpdump: p.summary });
}
process.stdout.write(JSON.stringify({ source: "keepalived 2.2.7 and FRR 8.4.4 (Debian 12) talking to each other, captured with test/tools/capture-bfd-peers.sh", packets }, null, 2) + "\n");
' "$here/../dist/lib/bfd-wire.js"
