/**
 * The signing contract lives in src/contract/identity.ts (dependency-free, so the rescanner and
 * every area can read it); re-exported here for existing imports.
 */
export * from '../contract/identity';
export { escapeRegExp } from '../contract/patterns';
export type { SignatureFormat } from '../contract/engines';
