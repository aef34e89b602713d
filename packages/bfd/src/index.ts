export * from './errors.js';
export * from './packet.js';
export * from './timers.js';
export * from './machine.js';
export * from './receive.js';
export * from './transport.js';
export * from './session.js';
export * from './endpoint.js';
