import { addressToBytes, internetChecksum } from '@tandem/vrrp';

const BROADCAST_MAC = Buffer.from('ffffffffffff', 'hex');
const ETHERTYPE_ARP = 0x0806;
const ETHERTYPE_IPV6 = 0x86dd;

function macBytes(mac: Buffer | string): Buffer {
  const b = typeof mac === 'string' ? Buffer.from(mac.replace(/[:-]/g, ''), 'hex') : mac;
  if (b.length !== 6) throw new TypeError(`not a MAC address: ${mac.toString()}`);
  return b;
}

/**
 * A gratuitous ARP request for `address` from `mac` (RFC 5227 §3 announcement:
 * sender and target protocol address are both the address), as keepalived sends.
 */
export function gratuitousArpFrame(mac: Buffer | string, address: string): Buffer {
  const src = macBytes(mac);
  const ip = addressToBytes(address);
  if (ip.length !== 4) throw new TypeError(`gratuitous ARP needs an IPv4 address: ${address}`);
  const f = Buffer.alloc(42);
  BROADCAST_MAC.copy(f, 0);
  src.copy(f, 6);
  f.writeUInt16BE(ETHERTYPE_ARP, 12);
  f.writeUInt16BE(1, 14); // hardware type Ethernet
  f.writeUInt16BE(0x0800, 16); // protocol IPv4
  f[18] = 6;
  f[19] = 4;
  f.writeUInt16BE(1, 20); // request
  src.copy(f, 22);
  ip.copy(f, 28);
  BROADCAST_MAC.copy(f, 32);
  ip.copy(f, 38);
  return f;
}

/**
 * An unsolicited neighbour advertisement for `address` to all nodes (RFC 4861
 * §7.2.6): Override set, target link-layer address option, hop limit 255.
 */
export function unsolicitedNaFrame(mac: Buffer | string, address: string, source: string = address): Buffer {
  const src = macBytes(mac);
  const target = addressToBytes(address);
  const from = addressToBytes(source);
  if (target.length !== 16 || from.length !== 16) throw new TypeError(`unsolicited NA needs IPv6 addresses: ${address}`);
  const allNodes = addressToBytes('ff02::1');
  const icmp = Buffer.alloc(32);
  icmp[0] = 136; // neighbour advertisement
  icmp.writeUInt32BE(0x20000000, 4); // Override, not Solicited, not Router
  target.copy(icmp, 8);
  icmp[24] = 2; // option: target link-layer address
  icmp[25] = 1; // length in units of 8 bytes
  src.copy(icmp, 26);
  const pseudo = Buffer.alloc(40);
  from.copy(pseudo, 0);
  allNodes.copy(pseudo, 16);
  pseudo.writeUInt32BE(icmp.length, 32);
  pseudo[39] = 58;
  icmp.writeUInt16BE(internetChecksum([pseudo, icmp]), 2);
  const f = Buffer.alloc(14 + 40 + icmp.length);
  Buffer.from('333300000001', 'hex').copy(f, 0);
  src.copy(f, 6);
  f.writeUInt16BE(ETHERTYPE_IPV6, 12);
  f.writeUInt32BE(0x60000000, 14);
  f.writeUInt16BE(icmp.length, 18);
  f[20] = 58; // ICMPv6
  f[21] = 255;
  from.copy(f, 22);
  allNodes.copy(f, 38);
  icmp.copy(f, 54);
  return f;
}
