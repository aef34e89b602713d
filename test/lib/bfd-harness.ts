// Runs tandem's BFD (the @tandem/bfd endpoint over @tandem/net's UDP transport) in the
// namespace it is started in, for the interop tests and the jitter bench: sessions from
// argv[2] (JSON), one command per stdin line, one JSON event per stdout line.
//   stdin:  status | adminDown NAME | adminUp NAME | remove NAME | exit
//   stdout: {"event":"ready"} {"event":"transition",...} {"event":"status","sessions":[...]}
// Times are wall-clock milliseconds with sub-millisecond precision, comparable with tcpdump -tt.
import { createInterface } from 'node:readline';
import { BfdEndpoint, type SessionOptions, type SessionRunner } from '@tandem/bfd';
import { BfdUdpTransport } from '@tandem/net';
import { systemClock } from '@tandem/vrrp';

/** Wall-clock time in ms, sub-millisecond. */
export const wallMs = (): number => performance.timeOrigin + performance.now();

function out(event: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify({ ...event, t: wallMs() })}\n`);
}

function statusOf(s: SessionRunner): Record<string, unknown> {
  return { name: s.name, ...s.status, stats: s.stats };
}

function main(): void {
  const sessions = JSON.parse(process.argv[2] ?? '[]') as SessionOptions[];
  const transport = new BfdUdpTransport({ onError: (err) => out({ event: 'ioError', message: err.message }) });
  const endpoint = new BfdEndpoint(transport, systemClock);
  endpoint.on('transition', (e) => out({ event: 'transition', ...e }));
  endpoint.on('ioError', (err) => out({ event: 'ioError', message: err.message }));
  for (const s of sessions) endpoint.add(s);
  out({ event: 'ready' });
  const rl = createInterface({ input: process.stdin });
  rl.on('line', (line) => {
    const [cmd, name = ''] = line.trim().split(/\s+/);
    const session = endpoint.get(name);
    switch (cmd) {
      case 'status':
        out({ event: 'status', sessions: endpoint.list().map(statusOf), dropped: endpoint.stats.dropped });
        return;
      case 'adminDown':
        session?.adminDown();
        return;
      case 'adminUp':
        session?.adminUp();
        return;
      case 'remove':
        endpoint.remove(name);
        return;
      case 'exit':
        endpoint.close();
        rl.close();
        return;
    }
  });
  rl.on('close', () => {
    endpoint.close();
    process.exit(0);
  });
}

if (require.main === module) main();
