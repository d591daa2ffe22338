/**
 * The in-cluster rescanner (`scb rescan`): running-digest inventory, Trivy client/server scans,
 * Pushgateway metrics. Loaded lazily by the CLI.
 */
export * from './allowlist';
export * from './cli';
export * from './config';
export * from './credentials';
export * from './inventory';
export * from './logger';
export * from './metrics';
export * from './pushgateway';
export * from './rescan';
export * from './scanner';
export * from './trivy-client';
export * from './trivy-report';
export * from './build-time';
export * from './image-verifier';
export * from './previous-state';
export * from './scan-failure';
export * from './trivy-server';
export * from './signature-verifier';
