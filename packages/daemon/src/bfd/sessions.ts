import { bfdMinTtl, sameValue, type BfdInstance } from '@tandem/config';
import type { SessionOptions, SessionParams, SessionState } from '@tandem/bfd';

// What the BFD side makes of the `bfd_instance` blocks: session options, the reload plan,
// and which transitions keepalived reports to its VRRP and checker processes. Pure.

/** The RFC 5880 timers of a bfd_instance (the part a reload changes in place, with a Poll Sequence). */
export function sessionParams(b: BfdInstance): SessionParams {
  return { desiredMinTxUs: b.minTxUs, requiredMinRxUs: b.minRxUs, detectMult: b.multiplier, idleTxUs: b.idleTxUs, passive: b.passive };
}

/**
 * A bfd_instance as a session of the bfd package: single hop on UDP 3784, or with `multihop`
 * RFC 5883 on UDP 4784. The TTL rule is keepalived's for both (bfd_check_packet_ttl: a packet
 * whose TTL + `max_hops` is below `ttl` is dropped), here the session's `minTtl`.
 * `source` is `source_ip`, or the address the kernel would send from when it is absent.
 */
export function sessionOptions(b: BfdInstance, source: string): SessionOptions {
  return {
    name: b.name,
    path: { kind: b.multihop ? 'multihop' : 'single-hop', family: b.family, local: source, peer: b.neighborIp, ttl: b.ttl },
    params: sessionParams(b),
    minTtl: bfdMinTtl(b),
    // A side held up past the Detection Time reads the packets already received before it judges it.
    afterPendingInput: setImmediate,
  };
}

/** How a reload treats one session. */
export type BfdReloadStep =
  | { readonly kind: 'keep'; readonly name: string }
  /** Only the timers or `passive` changed: renegotiated in place (a Poll Sequence while Up). */
  | { readonly kind: 'reconfigure'; readonly session: BfdInstance }
  /** Its addresses or TTL changed: a new session (the old one says AdminDown). */
  | { readonly kind: 'restart'; readonly session: BfdInstance; readonly why: string }
  | { readonly kind: 'add'; readonly session: BfdInstance }
  | { readonly kind: 'remove'; readonly name: string };

/** Fields that make a different session, not different timers of the same one. */
const PATH_FIELDS = ['neighborIp', 'sourceIp', 'family', 'ttl', 'maxHops', 'multihop'] as const;

/**
 * keepalived's reload of its bfd process, made minimal: sessions are matched by name; unchanged
 * ones keep running (state, discriminators and timers), timer changes apply in place, and only a
 * changed path makes a new session. Removals come first, so a path moved between names is free.
 * `weight`, `vrrp` and `checker` concern where events go, not the session.
 */
export function planBfdReload(before: readonly BfdInstance[], after: readonly BfdInstance[]): BfdReloadStep[] {
  const old = new Map(before.map((b) => [b.name, b]));
  const names = new Set(after.map((b) => b.name));
  const steps: BfdReloadStep[] = before.filter((b) => !names.has(b.name)).map((b) => ({ kind: 'remove', name: b.name }));
  for (const b of after) {
    const o = old.get(b.name);
    if (o === undefined) {
      steps.push({ kind: 'add', session: b });
      continue;
    }
    const moved = PATH_FIELDS.filter((f) => o[f] !== b[f]);
    if (moved.length > 0) steps.push({ kind: 'restart', session: b, why: `${moved.join(', ')} changed` });
    else if (!sameValue(sessionParams(o), sessionParams(b))) steps.push({ kind: 'reconfigure', session: b });
    else steps.push({ kind: 'keep', name: b.name });
  }
  // Removals and restarts first: their paths are free before a new session may take them.
  const order = { remove: 0, restart: 1, reconfigure: 2, keep: 2, add: 3 } as const;
  return steps.sort((x, y) => order[x.kind] - order[y.kind]);
}

/**
 * Whether keepalived's bfd process tells VRRP and the checkers about a transition
 * (bfd_scheduler.c): every arrival in Up is an up event; a fall from Up to Down is a down
 * event unless the neighbor said AdminDown (RFC 5882 §3.2: an administrative shutdown is not
 * a failure); a session that was never Up, and a local AdminDown, say nothing.
 */
export function reportedEvent(from: SessionState, to: SessionState, remoteState: SessionState): 'up' | 'down' | undefined {
  if (to === 'Up') return from === 'Up' ? undefined : 'up';
  if (from === 'Up' && to === 'Down' && remoteState !== 'AdminDown') return 'down';
  return undefined;
}
