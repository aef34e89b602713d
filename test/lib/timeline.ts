import type { ProbeAnswer } from './lab.js';

/** One stretch of the client's view: answered by one director, or silent. */
export interface Stretch {
  readonly from: string | undefined;
  readonly startMs: number;
  readonly endMs: number;
  readonly probes: number;
}

/**
 * Compresses probe answers into stretches: consecutive answers from one
 * director, and the silences between them (a gap longer than `silenceMs`).
 */
export function stretches(answers: readonly ProbeAnswer[], origin: number, silenceMs = 50): Stretch[] {
  const sorted = [...answers].sort((a, b) => a.sentAt - b.sentAt);
  const out: Stretch[] = [];
  let cur: { from: string | undefined; startMs: number; endMs: number; probes: number } | undefined;
  for (const a of sorted) {
    const t = a.sentAt - origin;
    if (cur !== undefined && t - cur.endMs > silenceMs) {
      out.push(cur);
      out.push({ from: undefined, startMs: cur.endMs, endMs: t, probes: 0 });
      cur = undefined;
    }
    if (cur !== undefined && cur.from !== a.from) {
      out.push(cur);
      cur = undefined;
    }
    if (cur === undefined) cur = { from: a.from, startMs: t, endMs: t, probes: 0 };
    cur.endMs = t;
    cur.probes++;
  }
  if (cur !== undefined) out.push(cur);
  return out;
}

/** Human-readable lines of a timeline. */
export function formatTimeline(parts: readonly Stretch[], events: ReadonlyArray<{ atMs: number; label: string }> = []): string[] {
  const lines: Array<{ at: number; text: string }> = [];
  const s = (ms: number): string => `${ms >= 0 ? '+' : '-'}${(Math.abs(ms) / 1000).toFixed(3)}s`;
  for (const p of parts) {
    const text =
      p.from === undefined
        ? `${s(p.startMs)} .. ${s(p.endMs)}  no answer            OUTAGE ${Math.round(p.endMs - p.startMs)} ms`
        : `${s(p.startMs)} .. ${s(p.endMs)}  answered by ${p.from.padEnd(8)} (${p.probes} probes)`;
    lines.push({ at: p.startMs, text });
  }
  for (const e of events) lines.push({ at: e.atMs, text: `${s(e.atMs)}  >> ${e.label}` });
  return lines.sort((a, b) => a.at - b.at).map((l) => `  ${l.text}`);
}
