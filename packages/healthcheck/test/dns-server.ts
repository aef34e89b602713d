// A minimal DNS server for DNS_CHECK tests: an A answer for ok.test, NXDOMAIN for other names,
// silence for hang.test. Run as a script (node dns-server.js PORT MODEFILE [HOST]) it serves
// from a real-server namespace, and MODEFILE ("answer", "nxdomain" or "silent") overrides the
// name rules on every query, so a test can flip the server without restarting it.
import { createSocket, type Socket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';

export type DnsMode = 'by-name' | 'answer' | 'nxdomain' | 'silent';

export async function startDnsServer(host: string, port: number, mode: () => DnsMode = () => 'by-name'): Promise<{ port: number; socket: Socket }> {
  const socket = createSocket(host.includes(':') ? 'udp6' : 'udp4');
  socket.on('message', (q, rinfo) => {
    let i = 12;
    const labels: string[] = [];
    while (i < q.length && q[i]! !== 0) {
      labels.push(q.subarray(i + 1, i + 1 + q[i]!).toString());
      i += q[i]! + 1;
    }
    const name = labels.join('.');
    const questionEnd = i + 5;
    const m = mode();
    const what = m !== 'by-name' ? m : name === 'hang.test' ? 'silent' : name === 'ok.test' ? 'answer' : 'nxdomain';
    if (what === 'silent') return;
    const header = Buffer.from(q.subarray(0, 12));
    const found = what === 'answer';
    header.writeUInt16BE(found ? 0x8180 : 0x8183, 2);
    header.writeUInt16BE(found ? 1 : 0, 6);
    header.writeUInt16BE(0, 8);
    header.writeUInt16BE(0, 10);
    const answer = found ? Buffer.from([0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 192, 0, 2, 1]) : Buffer.alloc(0);
    socket.send(Buffer.concat([header, q.subarray(12, questionEnd), answer]), rinfo.port, rinfo.address);
  });
  await new Promise<void>((r) => socket.bind(port, host, () => r()));
  return { port: (socket.address() as AddressInfo).port, socket };
}

if (require.main === module) {
  const [port = '53', modeFile = '', host = '0.0.0.0'] = process.argv.slice(2);
  const mode = (): DnsMode => {
    try {
      return readFileSync(modeFile, 'utf8').trim() as DnsMode;
    } catch {
      return 'by-name';
    }
  };
  void startDnsServer(host, Number(port), mode);
  process.on('SIGTERM', () => process.exit(0));
}
