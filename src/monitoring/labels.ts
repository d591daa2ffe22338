import { MONITORING_NAMESPACE, PART_OF_LABELS } from '../contract';

export { MONITORING_NAMESPACE };

export const RESCANNER_NAME = 'scb-rescanner';
export const TRIVY_SERVER_NAME = 'trivy-server';
/** Port `trivy server --listen` binds. */
export const TRIVY_SERVER_PORT = 4954;
/**
 * Secret (created by the operator, never by this bundle) holding the Trivy server token under
 * key `token`. Both the server and the rescanner read it from the environment (`TRIVY_TOKEN`,
 * Trivy's spelling of `--token`), so the value never appears in a manifest or a process list.
 */
export const TRIVY_TOKEN_SECRET = { name: 'trivy-server-token', key: 'token' } as const;

/** Recommended labels, shared by an object and its selector. */
export function appLabels(name: string, component: string): Record<string, string> {
  return {
    'app.kubernetes.io/name': name,
    'app.kubernetes.io/component': component,
    ...PART_OF_LABELS,
  };
}

/** The subset of `appLabels` used in selectors (selectors are immutable, so keep them minimal). */
export function selectorLabels(name: string): Record<string, string> {
  return { 'app.kubernetes.io/name': name };
}
