export * from './engine';
export * from './registry';
export * from './drift-rules';
export { clusterPolicyEngine } from './cluster-policy';
export { imageValidatingPolicyEngine } from './image-validating-policy';
