export * from './diagnostics.js';
export * from './lexer.js';
export { lexFile } from './reader.js';
export * from './limits.js';
export * from './tree.js';
export * from './model.js';
export * from './load.js';
export * from './diff.js';
export * from './print.js';
