/** One tracked item's current verdict and how it weighs on an instance. */
export interface TrackedItem {
  readonly kind: 'script' | 'interface' | 'file' | 'process' | 'bfd' | 'address';
  readonly name: string;
  /** Scripts, interfaces, processes (quorum) and BFD sessions: up or down. Files: unused (see value). */
  readonly ok: boolean;
  /** 0 (or no weight) means the instance goes to FAULT while the item is down. */
  readonly weight: number;
  readonly reverse: boolean;
  /** track_file: the number in the file. */
  readonly value?: number;
  /**
   * A vrrp_script that has not finished its first run (keepalived's INIT, without init_fail):
   * its weight counts neither way, and at weight 0 the instance waits for it (`held`).
   */
  readonly pending?: boolean;
  /**
   * A vrrp_script with init_fail that has not passed yet: down, but at weight 0 the instance
   * waits in FAULT without a notification (keepalived sets that FAULT before vrrp_init_state,
   * which then sees no change to tell).
   */
  readonly quiet?: boolean;
}

/**
 * keepalived's track_file arithmetic, for VRRP instances and FILE_CHECK alike: weight 0
 * makes any non-zero value a failure; otherwise value x weight (negated with reverse) is the
 * delta, and below -253 is a failure.
 */
export function fileVerdict(value: number, weight: number, reverse: boolean): { failed: boolean; delta: number } {
  if (weight === 0) return { failed: value !== 0, delta: 0 };
  const delta = value * weight * (reverse ? -1 : 1);
  return delta < -253 ? { failed: true, delta } : { failed: false, delta };
}

/**
 * keepalived's priority rules: a positive weight is added while the item is
 * up, a negative one while it is down, `reverse` flips the sign, and a zero
 * weight puts the instance in FAULT while the item is down (up, with reverse).
 * The result is clamped by the state machine (1-254, 255 for an owner).
 */
export function trackedPriority(base: number, items: readonly TrackedItem[]): { priority: number; fault: string | undefined; held: string | undefined } {
  let priority = base;
  let fault: string | undefined;
  let held: string | undefined;
  for (const i of items) {
    if (i.pending === true) {
      // keepalived's initialise_track_script_state: an INIT script neither adds nor takes its weight.
      if (i.weight === 0) held ??= `${i.kind} ${i.name} has not reported yet`;
      continue;
    }
    if (i.quiet === true && i.weight === 0 && (i.reverse ? i.ok : !i.ok)) {
      held ??= `${i.kind} ${i.name} has not passed yet (init_fail)`;
      continue;
    }
    if (i.kind === 'file') {
      const value = i.value ?? 0;
      const v = fileVerdict(value, i.weight, i.reverse);
      if (v.failed) fault ??= i.weight === 0 ? `file ${i.name} holds ${value}` : `file ${i.name} holds ${value} (x ${i.weight} < -253)`;
      else priority += v.delta;
      continue;
    }
    if (i.weight === 0) {
      if (i.reverse ? i.ok : !i.ok) fault ??= `${i.kind} ${i.name} is ${i.ok ? 'up (reverse)' : 'down'}`;
      continue;
    }
    const applies = i.weight > 0 ? i.ok : !i.ok;
    if (applies) priority += i.reverse ? -i.weight : i.weight;
  }
  return { priority, fault, held };
}

/** A script's rise/fall state: `fall` failures in a row take it down, `rise` successes bring it up. */
export interface ScriptVerdict {
  readonly ok: boolean;
  readonly streak: number;
}

export function nextScriptVerdict(v: ScriptVerdict, success: boolean, rise: number, fall: number): ScriptVerdict {
  if (v.ok === success) return { ok: v.ok, streak: 0 };
  const streak = v.streak + 1;
  return streak >= (v.ok ? fall : rise) ? { ok: success, streak: 0 } : { ok: v.ok, streak };
}
