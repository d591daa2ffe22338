import type { Customer } from '../model/customer';
import { AZURE_WORKLOAD_IDENTITY_POD_LABEL, type RegistryIdentity, workloadIdentityServiceAccountAnnotations } from '../model/registry-identity';

/**
 * How Kyverno reads the customer's images and their signatures from a private registry, from
 * `registry.admissionIdentity` (the same spelling as the rescanner's `monitoring.registryIdentity`).
 *
 * Why in the policies: in Kyverno 1.19 an ImageValidatingPolicy uses only its own `credentials`
 * (or the admission controller's global `--imagePullSecrets`), never the pod's pull secrets; a
 * ClusterPolicy verifyImages entry uses its `imageRegistryCredentials` plus the pod namespace's
 * pull secrets. Without credentials a private image's verification is an `error`, refused after
 * the flip (failurePolicy Fail) and counted as "would be refused" by flip-check and the alerts.
 *
 * - `secret.name`: a `kubernetes.io/dockerconfigjson` Secret in Kyverno's namespace (delivery
 *   setting `kubernetes.kyvernoNamespace`), named in `secrets`; Kyverno reads it from there only.
 * - a cloud identity: the provider's keychain (`amazon`, `google`, `azure`) in `providers`, and
 *   the workload-identity annotation on the service accounts of the controllers that verify
 *   images (admission and reports controllers, kyverno-values.yaml).
 */
export interface KyvernoRegistryCredentials {
  readonly providers: readonly ('amazon' | 'google' | 'azure')[];
  readonly secrets: readonly string[];
}

/** The registry identity Kyverno uses, when the customer gave one. */
export function admissionIdentity(customer: Pick<Customer, 'registry'>): RegistryIdentity | undefined {
  return customer.registry?.admissionIdentity;
}

/** The policies' credentials block (IVP `spec.credentials`, ClusterPolicy `imageRegistryCredentials`), or undefined. */
export function kyvernoRegistryCredentials(customer: Pick<Customer, 'registry'>): KyvernoRegistryCredentials | undefined {
  const id = admissionIdentity(customer);
  if (id === undefined) return undefined;
  const providers = [...(id.aws ? (['amazon'] as const) : []), ...(id.gcp ? (['google'] as const) : []), ...(id.azure ? (['azure'] as const) : [])];
  const secrets = id.secret ? [id.secret.name] : [];
  return { providers, secrets };
}

/** Helm values for a Kyverno controller that verifies images: its service account's cloud identity. */
export function kyvernoIdentityValues(customer: Pick<Customer, 'registry'>): { rbac?: { serviceAccount: { annotations: Record<string, string> } }; podLabels?: Record<string, string> } {
  const id = admissionIdentity(customer);
  const annotations = workloadIdentityServiceAccountAnnotations(id);
  return {
    ...(annotations ? { rbac: { serviceAccount: { annotations } } } : {}),
    ...(id?.azure ? { podLabels: { ...AZURE_WORKLOAD_IDENTITY_POD_LABEL } } : {}),
  };
}
