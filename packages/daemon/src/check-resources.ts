import { readFileSync } from 'node:fs';
import { sameValue, type SslSettings } from '@tandem/config';
import type { Pinger, SocketMaker, TlsClientMaterial } from '@tandem/healthcheck';
import { CheckSockets, IcmpPinger } from '@tandem/net';
import type { CheckResources } from './check-specs.js';

/**
 * What checks with bind_if, fwmark and the global SSL block take from the host: one pinger and
 * one socket maker per (interface, mark), and the SSL block's files, read once per
 * configuration (keepalived reads them when its checker starts).
 */
export class HostCheckResources implements CheckResources {
  private readonly pingers = new Map<string, IcmpPinger>();
  private readonly makers = new Map<string, CheckSockets>();
  private ssl: SslSettings | undefined;
  tls: CheckResources['tls'];

  pingerFor(bindIf: string | undefined, fwmark: number | undefined): Pinger {
    const key = `${bindIf ?? ''}/${fwmark ?? 0}`;
    let p = this.pingers.get(key);
    if (p === undefined) this.pingers.set(key, (p = new IcmpPinger({ ...(bindIf !== undefined ? { interface: bindIf } : {}), ...(fwmark !== undefined ? { mark: fwmark } : {}) })));
    return p;
  }

  socketsFor(bindIf: string | undefined, fwmark: number | undefined): SocketMaker {
    const key = `${bindIf ?? ''}/${fwmark ?? 0}`;
    let m = this.makers.get(key);
    if (m === undefined) this.makers.set(key, (m = new CheckSockets(bindIf, fwmark)));
    return m;
  }

  /** Reads the SSL block's files when it changed; an unreadable one fails every SSL_GET with its reason. */
  setSsl(ssl: SslSettings | undefined): void {
    if (sameValue(ssl, this.ssl) && (ssl === undefined) === (this.tls === undefined)) return;
    this.ssl = ssl;
    if (ssl === undefined) {
      this.tls = undefined;
      return;
    }
    try {
      const read = (path: string | undefined): Buffer | undefined => (path === undefined ? undefined : readFileSync(path));
      const material: TlsClientMaterial = {
        ...(ssl.certificate !== undefined ? { certificate: read(ssl.certificate)! } : {}),
        ...(ssl.key !== undefined ? { key: read(ssl.key)! } : {}),
        ...(ssl.ca !== undefined ? { ca: read(ssl.ca)! } : {}),
        ...(ssl.password !== undefined ? { password: ssl.password } : {}),
      };
      this.tls = { material };
    } catch (err) {
      this.tls = { error: `SSL block: ${(err as Error).message}` };
    }
  }

  close(): void {
    for (const p of this.pingers.values()) p.close();
    this.pingers.clear();
    this.makers.clear();
  }
}
