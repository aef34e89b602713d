import { formatCount } from '@tandem/config';
import type { Operation } from '@tandem/ipvs';

const OP_WORDS: Record<Operation['op'], readonly [noun: 'service' | 'destination', verb: string]> = {
  'add-service': ['service', 'added'],
  'update-service': ['service', 'updated'],
  'delete-service': ['service', 'removed'],
  'add-destination': ['destination', 'added'],
  'update-destination': ['destination', 'updated'],
  'delete-destination': ['destination', 'removed'],
};

/** `1,000 services, 10,000 destinations added; 1 destination updated`: a batch of IPVS operations in one phrase. */
export function summarizeOperations(ops: readonly Operation[]): string {
  const counts = new Map<string, { service: number; destination: number }>();
  for (const op of ops) {
    const [noun, verb] = OP_WORDS[op.op];
    const c = counts.get(verb) ?? { service: 0, destination: 0 };
    c[noun]++;
    counts.set(verb, c);
  }
  const n = (k: number, noun: string): string => `${formatCount(k)} ${noun}${k === 1 ? '' : 's'}`;
  return [...counts].map(([verb, c]) => `${[c.service > 0 ? n(c.service, 'service') : '', c.destination > 0 ? n(c.destination, 'destination') : ''].filter((x) => x !== '').join(', ')} ${verb}`).join('; ');
}
