/** Public API of Memory-R1 Web's core library (Node and browser): agents, stores and model clients. */
export type * from './core/types';
export * from './core/errors';
