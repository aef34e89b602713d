// The part of unix-dgram (Ben Noordhuis's Unix datagram sockets; no published types) tandemd uses:
// syslog's /dev/log and systemd's NOTIFY_SOCKET are SOCK_DGRAM sockets, which node:dgram cannot open.
declare module 'unix-dgram' {
  import type { EventEmitter } from 'node:events';

  /** Errors carry the negative errno as `code` (e.g. -111 for ECONNREFUSED). */
  export interface UnixDgramSocket extends EventEmitter {
    bind(path: string): void;
    connect(path: string): void;
    /** On a connected socket. The callback's error is 'congestion' (code 1) when the receiver is full. */
    send(buf: Buffer, callback?: (err?: Error & { code?: number }) => void): void;
    /** To `path`, unconnected. */
    send(buf: Buffer, offset: number, length: number, path: string, callback?: (err?: Error & { code?: number }) => void): void;
    close(): void;
  }

  export function createSocket(type: 'unix_dgram', listener?: (msg: Buffer, rinfo: { size: number; path?: string }) => void): UnixDgramSocket;
}
