import type { RealServer, VirtualServer } from '@tandem/config';

// keepalived's check_bfd.c: a BFD_CHECK follows its session's events. The checker starts up
// (down with `alpha`), an Up event makes it up and a Down event down; the real server is up
// only while every one of its checkers is. Kept per real server, outside the scheduler (BFD
// checks are not run, they are told).

/** One BFD_CHECK of a real server. */
export interface BfdCheckSpec {
  readonly name: string;
  readonly alpha: boolean;
}

const NONE: readonly BfdCheckSpec[] = Object.freeze([]);

/** The BFD_CHECKs of a real server, with `alpha` as keepalived resolves it (the checker's, else the real server's, else the virtual server's). */
export function bfdChecksOf(vs: VirtualServer, rs: RealServer): readonly BfdCheckSpec[] {
  if (rs.checkers.length === 0) return NONE;
  return rs.checkers.flatMap((c) => (c.kind === 'BFD_CHECK' ? [{ name: c.name, alpha: c.options.alpha ?? rs.options.alpha ?? vs.alpha }] : []));
}

/** The verdicts of every real server's BFD_CHECKs, by the real server's key. */
export class BfdCheckVerdicts {
  /** The last event of each session the checkers heard of. */
  private readonly sessions = new Map<string, boolean>();
  private readonly reals = new Map<string, Array<{ readonly name: string; up: boolean }>>();

  /**
   * Sets a real server's BFD_CHECKs. One it already had keeps its verdict; a new one takes its
   * session's last event, or, before any, starts up (down with alpha), as a keepalived checker.
   */
  plan(key: string, specs: readonly BfdCheckSpec[]): void {
    if (specs.length === 0) {
      // Most directors have no BFD_CHECK: no map to touch for each of their real servers.
      if (this.reals.size > 0) this.reals.delete(key);
      return;
    }
    const old = this.reals.get(key) ?? [];
    this.reals.set(
      key,
      specs.map((s) => ({ name: s.name, up: old.find((o) => o.name === s.name)?.up ?? this.sessions.get(s.name) ?? !s.alpha })),
    );
  }

  /** Forgets real servers no longer configured. */
  retain(configured: (key: string) => boolean): void {
    for (const key of [...this.reals.keys()]) if (!configured(key)) this.reals.delete(key);
  }

  /** How many real servers have BFD_CHECKs. */
  get tracked(): number {
    return this.reals.size;
  }

  /** The real servers with BFD_CHECKs (a file without any has none to walk at each reload). */
  keys(): IterableIterator<string> {
    return this.reals.keys();
  }

  has(key: string): boolean {
    return this.reals.has(key);
  }

  /** The first of the real server's BFD_CHECKs that is down, in words. */
  failure(key: string): string | undefined {
    const down = this.reals.get(key)?.find((c) => !c.up);
    return down === undefined ? undefined : `BFD session ${down.name} is Down`;
  }

  /** A session's event: the keys of the real servers with a BFD_CHECK of it whose verdict changed. */
  event(name: string, up: boolean): string[] {
    this.sessions.set(name, up);
    const changed: string[] = [];
    for (const [key, checks] of this.reals) {
      for (const c of checks) {
        if (c.name !== name || c.up === up) continue;
        c.up = up;
        changed.push(key);
      }
    }
    return changed;
  }
}
