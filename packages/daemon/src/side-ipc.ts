import type { ChildProcess } from 'node:child_process';

// The request/reply channel between the supervisor and a side (the VRRP side, the BFD side):
// child processes of tandemd talking over Node's IPC channel. Each request carries an id and
// gets exactly one reply; anything else a side sends (log lines, events) is its own message.

/** A side's requests: per `kind`, the request sent and what its reply carries. */
export type RequestMap<M> = { [K in keyof M]: { request: { readonly kind: string }; reply: unknown } };

export interface RequestEnvelope<Q> {
  readonly id: number;
  readonly request: Q;
}

export type ReplyMessage =
  | { readonly kind: 'reply'; readonly id: number; readonly ok: true; readonly data: unknown }
  | { readonly kind: 'reply'; readonly id: number; readonly ok: false; readonly error: string };

type Pending = { resolve: (v: unknown) => void; reject: (e: Error) => void; timer: NodeJS.Timeout | undefined };

/** The supervisor's end of one side process's channel. */
export class SideChannel<M extends RequestMap<M>> {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();

  /** `what` names the side in errors: "the VRRP side". */
  constructor(
    private readonly child: ChildProcess,
    private readonly what: string,
  ) {}

  /** Settles the request a reply answers; false for a message that is not a reply. */
  settle(m: { readonly kind: string }): boolean {
    if (m.kind !== 'reply') return false;
    const r = m as ReplyMessage;
    const p = this.pending.get(r.id);
    if (p === undefined) return true;
    this.pending.delete(r.id);
    if (p.timer !== undefined) clearTimeout(p.timer);
    if (r.ok) p.resolve(r.data);
    else p.reject(new Error(r.error));
    return true;
  }

  /** Sends a request; rejects when the side is gone, says it failed, or does not answer within `timeoutMs`. */
  request<K extends keyof M & string>(request: M[K]['request'], timeoutMs?: number): Promise<M[K]['reply']> {
    const child = this.child;
    if (!child.connected) return Promise.reject(new Error(`${this.what} is restarting`));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer =
        timeoutMs === undefined
          ? undefined
          : setTimeout(() => {
              this.pending.delete(id);
              reject(new Error(`${this.what} did not answer ${request.kind} within ${timeoutMs} ms`));
            }, timeoutMs);
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, timer });
      // With a callback, a side that left between the check above and the write (EPIPE) fails
      // this request; without one, the ChildProcess would emit 'error' and end the supervisor.
      child.send({ id, request } satisfies RequestEnvelope<M[K]['request']>, (err) => {
        if (err === null || !this.pending.has(id)) return;
        this.pending.delete(id);
        if (timer !== undefined) clearTimeout(timer);
        reject(new Error(`${this.what} is gone: ${err.message}`));
      });
    });
  }

  /** The side process is gone: every request still waiting fails with `reason`. */
  fail(reason: string): void {
    for (const p of this.pending.values()) {
      if (p.timer !== undefined) clearTimeout(p.timer);
      p.reject(new Error(`${this.what} ${reason}`));
    }
    this.pending.clear();
  }
}

/** Sends a message to the supervisor; `then` runs once it is out (or at once when the channel is gone). */
export function sendToSupervisor(m: unknown, then?: () => void): void {
  if (process.connected) process.send!(m, undefined, {}, () => then?.());
  else then?.();
}

/**
 * The side's end: answers each request with `handle`. After the reply to `stop`, or to a
 * `start` that failed, the side's work is done and the process leaves once the reply is out.
 */
export function serveRequests<Q extends { readonly kind: string }>(handle: (r: Q) => Promise<unknown>): void {
  process.on('message', (m: RequestEnvelope<Q>) => {
    const kind = m.request.kind;
    handle(m.request).then(
      (data) => sendToSupervisor({ kind: 'reply', id: m.id, ok: true, data } satisfies ReplyMessage, kind === 'stop' ? () => process.exit(0) : undefined),
      (err: unknown) =>
        sendToSupervisor(
          { kind: 'reply', id: m.id, ok: false, error: err instanceof Error ? err.message : String(err) } satisfies ReplyMessage,
          kind === 'start' || kind === 'stop' ? () => process.exit(kind === 'start' ? 1 : 0) : undefined,
        ),
    );
  });
}

/** Restarts within this long of each other count as a crash loop. */
export const CRASH_WINDOW_MS = 60_000;

/** How long to wait before starting a side again, given the times of its deaths within the window: 0.1 s, doubling to 5 s. */
export function restartDelayMs(recentDeaths: number): number {
  return Math.min(5000, 100 * 2 ** Math.max(0, recentDeaths - 1));
}
