import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

/** A datagram socket at `path` and every datagram it received so far, read by a helper process (dgram-listen.ts). */
export interface DgramListener {
  readonly path: string;
  readonly messages: string[];
  close(): Promise<void>;
}

export async function listenDgram(path: string): Promise<DgramListener> {
  const child: ChildProcess = spawn('node', [join(__dirname, 'dgram-listen.js'), path], { stdio: ['ignore', 'pipe', 'inherit'] });
  const messages: string[] = [];
  let buffered = '';
  let ready: () => void = () => undefined;
  const isReady = new Promise<void>((resolve) => (ready = resolve));
  child.stdout!.on('data', (d: Buffer) => {
    buffered += d.toString();
    for (let nl = buffered.indexOf('\n'); nl >= 0; nl = buffered.indexOf('\n')) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      if (line === 'ready') ready();
      else messages.push(JSON.parse(line) as string);
    }
  });
  const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await Promise.race([isReady, gone.then(() => Promise.reject(new Error(`cannot listen on ${path}`)))]);
  return {
    path,
    messages,
    close: async () => {
      child.kill('SIGTERM');
      await gone;
    },
  };
}
