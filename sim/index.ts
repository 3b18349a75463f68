/**
 * The vendor simulators and the Devo line receiver, for tests (yours too) and the demo. They share no
 * code with the library: each is an independent implementation of the vendor's rules.
 * @packageDocumentation
 */
export * from './lark/index.ts';
export * from './actiontrail/index.ts';
export * from './sls/index.ts';
export * from './devo/index.ts';
