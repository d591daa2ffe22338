export * from './client';
export * from './kubeconfig';
