import { randomInt } from 'node:crypto';
import { promises as dns } from 'node:dns';
import { isIPv6 } from 'node:net';
import type { CheckFn, CheckResult } from '../result.js';
import { settleOnce } from './settle.js';
import type { SocketMaker } from './sockets.js';

export type DnsCheckType = 'A' | 'NS' | 'CNAME' | 'SOA' | 'MX' | 'TXT' | 'AAAA';

/** DNS_CHECK: the server must answer the query with at least one record. */
export interface DnsCheckOptions {
  readonly host: string;
  readonly port: number;
  readonly type: DnsCheckType;
  readonly name: string;
  readonly timeoutMs: number;
  /** `bind_if` / `fwmark` (the resolver cannot take them: the query is sent on a socket of ours). */
  readonly sockets?: SocketMaker;
}

/** RFC 1035 §3.2.2 TYPE values (AAAA: RFC 3596). */
const TYPE_CODES: Record<DnsCheckType, number> = { A: 1, NS: 2, CNAME: 5, SOA: 6, MX: 15, TXT: 16, AAAA: 28 };

/** One query (RFC 1035 §4.1): header with RD, one question of class IN. */
export function encodeDnsQuery(id: number, name: string, type: DnsCheckType): Buffer {
  const labels = name === '.' || name === '' ? [] : name.replace(/\.$/, '').split('.');
  const qname = Buffer.concat([...labels.map((l) => Buffer.concat([Buffer.from([Buffer.byteLength(l)]), Buffer.from(l)])), Buffer.from([0])]);
  const head = Buffer.alloc(12);
  head.writeUInt16BE(id, 0);
  head.writeUInt16BE(0x0100, 2);
  head.writeUInt16BE(1, 4);
  const tail = Buffer.alloc(4);
  tail.writeUInt16BE(TYPE_CODES[type], 0);
  tail.writeUInt16BE(1, 2);
  return Buffer.concat([head, qname, tail]);
}

/** What a reply to query `id` says: how many answers, or why it does not count. Never throws. */
export function readDnsReply(reply: Buffer, id: number): { answers: number } | { error: string } | undefined {
  if (reply.length < 12 || reply.readUInt16BE(0) !== id || (reply[2]! & 0x80) === 0) return undefined;
  const rcode = reply[3]! & 0x0f;
  if (rcode !== 0) return { error: `rcode ${rcode}` };
  return { answers: reply.readUInt16BE(6) };
}

/** DNS_CHECK on a socket of our own (bind_if / fwmark): one query over UDP, as keepalived's check_dns.c sends it. */
function ownDnsCheck(o: DnsCheckOptions & { sockets: SocketMaker }): CheckFn {
  return (signal) =>
    new Promise<CheckResult>((resolve) => {
      const q = `${o.type} ${o.name}`;
      const id = randomInt(0, 0x10000);
      let socket: ReturnType<SocketMaker['udp']> | undefined;
      const done = settleOnce(signal, o.timeoutMs, () => ({ ok: false, reason: `${q}: no answer within ${o.timeoutMs} ms` }), () => socket?.close(), resolve);
      try {
        socket = o.sockets.udp(isIPv6(o.host) ? 6 : 4, {}, (s) => s.connect(o.port, o.host, () => s.send(encodeDnsQuery(id, o.name, o.type))));
      } catch (err) {
        done({ ok: false, reason: `${q}: ${(err as Error).message}` });
        return;
      }
      socket.on('error', (err: NodeJS.ErrnoException) => done({ ok: false, reason: `${q}: ${err.code ?? err.message}` }));
      socket.on('message', (reply) => {
        const r = readDnsReply(reply, id);
        if (r === undefined) return;
        if ('error' in r) done({ ok: false, reason: `${q}: ${r.error}` });
        else done(r.answers > 0 ? { ok: true, reason: `${q}: ${r.answers} answer${r.answers === 1 ? '' : 's'}` } : { ok: false, reason: `${q}: no answer` });
      });
    });
}

export function dnsCheck(o: DnsCheckOptions): CheckFn {
  if (o.sockets !== undefined) return ownDnsCheck({ ...o, sockets: o.sockets });
  return async (signal) => {
    const resolver = new dns.Resolver({ timeout: o.timeoutMs, tries: 1 });
    resolver.setServers([o.host.includes(':') ? `[${o.host}]:${o.port}` : `${o.host}:${o.port}`]);
    const onAbort = (): void => resolver.cancel();
    signal.addEventListener('abort', onAbort);
    // c-ares waits about twice its timeout before it gives up, even with one try: the
    // check keeps connect_timeout itself, as keepalived does.
    let timedOut = false;
    const limit = setTimeout(() => {
      timedOut = true;
      resolver.cancel();
    }, o.timeoutMs);
    const q = `${o.type} ${o.name}`;
    try {
      const answer: unknown = await resolver.resolve(o.name, o.type);
      const count = Array.isArray(answer) ? answer.length : answer === undefined || answer === null ? 0 : 1;
      return count > 0 ? ({ ok: true, reason: `${q}: ${count} answer${count === 1 ? '' : 's'}` } satisfies CheckResult) : { ok: false, reason: `${q}: no answer` };
    } catch (err) {
      if (timedOut) return { ok: false, reason: `${q}: no answer within ${o.timeoutMs} ms` };
      return { ok: false, reason: `${q}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}` };
    } finally {
      clearTimeout(limit);
      signal.removeEventListener('abort', onAbort);
    }
  };
}
