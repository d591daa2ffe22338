export * from './artifact';
export * from './facts';
export * from './feature';
export * from './kustomization';
export * from './render';
