export * from './clock.js';
export * from './result.js';
export * from './checker-state.js';
export * from './scheduler.js';
export * from './checkers/tcp.js';
export * from './checkers/http.js';
export * from './scripts.js';
