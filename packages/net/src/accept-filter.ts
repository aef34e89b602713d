import { childProcessModule } from './builtins.js';
import { existsSync } from 'node:fs';
import { familyOf } from '@tandem/vrrp';
import { NetError } from './errors.js';

const NFT_PATHS = ['/usr/sbin/nft', '/sbin/nft', '/usr/bin/nft'];

/** The nft binary, or undefined when nftables is not installed. */
export function findNft(): string | undefined {
  return NFT_PATHS.find((p) => existsSync(p));
}

/** Runs an `nft -f -` script (one transaction); rejects with NET_ERR_SYSCALL carrying nft's message. */
export function runNftScript(binary: string, script: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = childProcessModule().execFile(binary, ['-f', '-'], (err, _stdout, stderr) => {
      if (err === null) resolve();
      else reject(new NetError('NET_ERR_SYSCALL', 'nft', stderr.trim() || err.message));
    });
    child.stdin!.end(script);
  });
}

/** keepalived's `nftables [TABLE]`, `nftables_priority`, `nftables_counters`. */
export interface AcceptFilterOptions {
  /** The inet table (default tandem_no_accept); it must be tandem's alone: it is replaced and removed. */
  readonly table?: string;
  /** The input chain's priority (default 0, the filter hook's usual one). */
  readonly priority?: number;
  /** A counter on each rule (nft list table shows how much was dropped). */
  readonly counters?: boolean;
}

/**
 * RFC 5798 Accept_Mode false (keepalived's `no_accept`): a master that does
 * not own the addresses must not accept packets addressed to them. One
 * nftables table with a set per family; addresses are added while master.
 * Neighbour discovery for the addresses still passes (ARP is not IP at all),
 * so neighbours can resolve them and forwarding through the router works.
 */
export class AcceptFilter {
  private ready: Promise<void> | undefined;
  private readonly table: string;

  constructor(
    private readonly binary: string,
    private readonly options: AcceptFilterOptions = {},
  ) {
    this.table = options.table ?? 'tandem_no_accept';
  }

  /** Throws NET_ERR_SYSCALL when nftables is missing: no_accept cannot be honoured without it. */
  static create(options: AcceptFilterOptions = {}): AcceptFilter {
    const binary = findNft();
    if (binary === undefined) throw new NetError('NET_ERR_SYSCALL', 'no_accept', 'needs nftables (the nft command); install the Debian package nftables');
    return new AcceptFilter(binary, options);
  }

  private ensure(): Promise<void> {
    const t = this.table;
    const counter = this.options.counters === true ? ' counter' : '';
    this.ready ??= runNftScript(
      this.binary,
      [
        `add table inet ${t}`,
        `add set inet ${t} v4 { type ipv4_addr; }`,
        `add set inet ${t} v6 { type ipv6_addr; }`,
        `add chain inet ${t} input { type filter hook input priority ${this.options.priority ?? 0}; policy accept; }`,
        `flush chain inet ${t} input`,
        `add rule inet ${t} input ip daddr @v4${counter} drop`,
        `add rule inet ${t} input ip6 daddr @v6 icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert }${counter} accept`,
        `add rule inet ${t} input ip6 daddr @v6${counter} drop`,
        '',
      ].join('\n'),
    );
    return this.ready;
  }

  private elements(op: 'add' | 'delete', addresses: readonly string[]): string {
    const lines: string[] = [];
    for (const fam of [4, 6] as const) {
      const list = addresses.filter((a) => familyOf(a) === fam);
      if (list.length > 0) lines.push(`${op} element inet ${this.table} v${fam} { ${list.join(', ')} }`);
    }
    return `${lines.join('\n')}\n`;
  }

  async block(addresses: readonly string[]): Promise<void> {
    await this.ensure();
    // `add element` of a present element is not an error, so repeats are harmless.
    await runNftScript(this.binary, this.elements('add', addresses));
  }

  async unblock(addresses: readonly string[]): Promise<void> {
    await this.ensure();
    for (const a of addresses) {
      // One at a time: deleting an absent element fails the whole batch.
      await runNftScript(this.binary, this.elements('delete', [a])).catch(() => undefined);
    }
  }

  /** Removes the table. */
  async close(): Promise<void> {
    if (this.ready === undefined) return;
    await this.ready.catch(() => undefined);
    await runNftScript(this.binary, `delete table inet ${this.table}\n`).catch(() => undefined);
    this.ready = undefined;
  }
}
