/**
 * The SBOM drift agent (`scb drift-agent`): compares each running production container's
 * installed packages with its verified SBOM attestation. Loaded lazily by the CLI.
 */
export * from './agent';
export * from './cli';
export * from './config';
export * from './diff';
export * from './fingerprint';
export * from './node-containers';
export * from './packages';
export * from './process-roots';
export * from './report';
export * from './syft-inventory';
