/** One tracked item's current verdict and how it weighs on an instance. */
export interface TrackedItem {
  readonly kind: 'script' | 'interface';
  readonly name: string;
  readonly ok: boolean;
  /** 0 (or no weight) means the instance goes to FAULT while the item is down. */
  readonly weight: number;
  readonly reverse: boolean;
}

/**
 * keepalived's priority rules: a positive weight is added while the item is
 * up, a negative one while it is down, `reverse` flips the sign, and a zero
 * weight puts the instance in FAULT while the item is down (up, with reverse).
 * The result is clamped by the state machine (1-254, 255 for an owner).
 */
export function trackedPriority(base: number, items: readonly TrackedItem[]): { priority: number; fault: string | undefined } {
  let priority = base;
  let fault: string | undefined;
  for (const i of items) {
    if (i.weight === 0) {
      if (i.reverse ? i.ok : !i.ok) fault ??= `${i.kind} ${i.name} is ${i.ok ? 'up (reverse)' : 'down'}`;
      continue;
    }
    const applies = i.weight > 0 ? i.ok : !i.ok;
    if (applies) priority += i.reverse ? -i.weight : i.weight;
  }
  return { priority, fault };
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
