// The real-kernel suite: tests that run inside the qemu guest, against its IPVS. The host
// imports this registry only for the names (one ava test each); the guest runs the bodies.

export interface KernelTest {
  readonly name: string;
  readonly run: () => Promise<void>;
  readonly timeoutMs: number;
}

export interface KernelResult {
  readonly name: string;
  readonly ok: boolean;
  readonly ms: number;
  readonly error?: string;
  readonly log: readonly string[];
}

export const kernelTests: KernelTest[] = [];
let currentLog: string[] = [];

/** Registers a test for the guest. */
export function ktest(name: string, run: () => Promise<void>, timeoutMs = 60_000): void {
  kernelTests.push({ name, run, timeoutMs });
}

/** A line kept with the test's result (shown by the host on failure). */
export function klog(line: string): void {
  currentLog.push(line);
}

export function takeLog(): string[] {
  const l = currentLog;
  currentLog = [];
  return l;
}
