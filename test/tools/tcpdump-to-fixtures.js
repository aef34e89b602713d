// Reads `tcpdump -nn -v -x` output of VRRP packets on stdin; prints one JSON
// object per distinct (vrid, priority, family) with the IP payload in hex.
// VRRP inside IPsec AH (IP protocol 51) keeps the whole datagram (datagramHex),
// since the AH check covers the IP header.
'use strict';
const lines = require('fs').readFileSync(0, 'utf8').split('\n');
const packets = [];
let cur = null;
for (const line of lines) {
  if (/^\d/.test(line)) {
    if (cur) packets.push(cur);
    cur = { head: line, hex: '' };
  } else if (cur && /^\s+0x[0-9a-f]+:/.test(line)) {
    cur.hex += line.replace(/^\s+0x[0-9a-f]+:\s*/, '').replace(/\s+/g, '');
  } else if (cur) {
    cur.head += ' ' + line.trim();
  }
}
if (cur) packets.push(cur);
const seen = new Set();
const out = [];
for (const p of packets) {
  const b = Buffer.from(p.hex, 'hex');
  let family, ttl, src, dst, payload;
  if (b[0] >> 4 === 4) {
    family = 4; ttl = b[8];
    src = [...b.subarray(12, 16)].join('.'); dst = [...b.subarray(16, 20)].join('.');
    payload = b.subarray((b[0] & 15) * 4);
  } else {
    family = 6; ttl = b[7];
    const fmt = (x) => x.toString('hex').match(/.{4}/g).join(':');
    src = fmt(b.subarray(8, 24)); dst = fmt(b.subarray(24, 40));
    payload = b.subarray(40);
  }
  const ah = family === 4 && b[9] === 51;
  const vrrp = ah ? payload.subarray(24) : payload;
  const key = `${family}/${vrrp[1]}/${vrrp[2]}/${dst}`;
  if (seen.has(key)) continue;
  seen.add(key);
  const bytes = ah ? { datagramHex: b.toString('hex') } : { payloadHex: payload.toString('hex') };
  out.push({ family, ttl, src, dst, ...bytes, tcpdump: p.head.replace(/^\S+\s+/, '') });
}
process.stdout.write(JSON.stringify(out, null, 2) + '\n');
