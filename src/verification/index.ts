/**
 * Verification of an image's signatures and attestations in a registry, and the admission
 * verdict over them. See README.md in this folder.
 */
export * from './attested-sbom';
export * from './certificate-identity';
export * from './cosign-legacy';
export * from './docker-credentials';
export * from './predicates';
export * from './reference';
export * from './registry-client';
export * from './trust';
export * from './verdict';
export * from './verify-image';
export * from './vulnerability-rule';
