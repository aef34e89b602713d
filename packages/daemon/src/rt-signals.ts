// Real-time signals by number. keepalived's JSON dump answers SIGRTMIN+2 (36 with glibc) and its
// STATS_CLEAR SIGRTMAX-1 (63); Node's process.on only knows the named signals, so these go
// through the signal handle Node itself uses for process.on (libuv's uv_signal_t, reached as
// process.binding('signal_wrap'), which Node 20 still offers with a deprecation warning that is
// silenced for this one call). Where a later Node drops it, `onSignalNumber` says so and the
// daemon logs that the JSON dump is only reachable through `tandemctl`.

interface SignalHandle {
  onsignal: (signum: number) => void;
  start(signum: number): number;
  close(): void;
  unref?(): void;
}

type SignalWrap = { Signal: new () => SignalHandle };

function signalWrap(): SignalWrap | undefined {
  const quiet = process.noDeprecation;
  process.noDeprecation = true;
  try {
    return (process as unknown as { binding(name: string): SignalWrap }).binding('signal_wrap');
  } catch {
    return undefined;
  } finally {
    process.noDeprecation = quiet;
  }
}

/**
 * Calls `handler` each time this process receives signal `signum` (a real-time signal that
 * process.on cannot name). The handle does not keep the process alive. Returns a function that
 * stops listening, or undefined when this Node cannot listen to signals by number.
 */
export function onSignalNumber(signum: number, handler: () => void): (() => void) | undefined {
  const wrap = signalWrap();
  if (wrap === undefined) return undefined;
  const handle = new wrap.Signal();
  handle.onsignal = () => handler();
  if (handle.start(signum) !== 0) {
    handle.close();
    return undefined;
  }
  handle.unref?.();
  return () => handle.close();
}
