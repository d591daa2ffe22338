import type { k8s } from 'cdk8s-plus-30';

/**
 * Pod Security "restricted" settings, written out explicitly rather than left to library
 * defaults so a reviewer can check them in the generated YAML and the namespace's
 * `enforce=restricted` label never rejects our own pods.
 */

/** The UID/GID of distroless "nonroot"; our images and the Trivy image run fine as it. */
export const NON_ROOT_UID = 65532;

export const RESTRICTED_POD_SECURITY_CONTEXT: k8s.PodSecurityContext = {
  runAsNonRoot: true,
  runAsUser: NON_ROOT_UID,
  runAsGroup: NON_ROOT_UID,
  fsGroup: NON_ROOT_UID,
  seccompProfile: { type: 'RuntimeDefault' },
};

export const RESTRICTED_CONTAINER_SECURITY_CONTEXT: k8s.SecurityContext = {
  runAsNonRoot: true,
  allowPrivilegeEscalation: false,
  privileged: false,
  readOnlyRootFilesystem: true,
  capabilities: { drop: ['ALL'] },
  seccompProfile: { type: 'RuntimeDefault' },
};

/** Labels that make the namespace reject any pod that is not "restricted". */
export const RESTRICTED_NAMESPACE_LABELS = {
  'pod-security.kubernetes.io/enforce': 'restricted',
  'pod-security.kubernetes.io/enforce-version': 'latest',
  'pod-security.kubernetes.io/audit': 'restricted',
  'pod-security.kubernetes.io/warn': 'restricted',
} as const;
