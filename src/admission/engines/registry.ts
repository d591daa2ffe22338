import type { AdmissionEngineName } from '../../contract';
import { clusterPolicyEngine } from './cluster-policy';
import type { AdmissionEngine } from './engine';
import { imageValidatingPolicyEngine } from './image-validating-policy';

/**
 * Every admission engine, by the name a customer file gives. Keyed by the contract's engine
 * names (src/contract/engines.ts), which the schema's enum is derived from: an engine named
 * there but missing here does not compile.
 */
export const ADMISSION_ENGINES: { readonly [Name in AdmissionEngineName]: AdmissionEngine & { readonly name: Name } } = {
  ImageValidatingPolicy: { ...imageValidatingPolicyEngine, name: 'ImageValidatingPolicy' },
  ClusterPolicy: { ...clusterPolicyEngine, name: 'ClusterPolicy' },
};

/** The engine a customer's policies are written for. */
export function admissionEngine(name: AdmissionEngineName): AdmissionEngine {
  return ADMISSION_ENGINES[name];
}

/** The engine that renders policies of `kind`, if any. */
export function engineForPolicyKind(kind: unknown): AdmissionEngine | undefined {
  return Object.values(ADMISSION_ENGINES).find((engine) => engine.policyKinds.includes(String(kind)));
}
