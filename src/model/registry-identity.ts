import { z } from 'zod';
import { DNS_SUBDOMAIN } from '../contract';

/**
 * A workload's registry identity, for images the nodes pull with their cloud identity (ECR,
 * Artifact Registry, ACR) or that need a login no pod pull secret gives it: one cloud workload
 * identity (`aws.roleArn` for IRSA, `gcp.serviceAccount` for GKE Workload Identity,
 * `azure.clientId` for Azure workload identity) and/or `secret.name`, a
 * `kubernetes.io/dockerconfigjson` Secret in the workload's own namespace. One spelling for every
 * workload that reads the registry: the rescanner (`monitoring.registryIdentity`) and Kyverno
 * (`registry.admissionIdentity`).
 */
export const registryIdentitySchema = z
  .strictObject(
    {
      aws: z.strictObject({
        roleArn: z.string({ error: 'expected an IAM role ARN such as "arn:aws:iam::123456789012:role/scb-rescanner"' }).regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@\/-]{1,512}$/, {
          error: 'is not an IAM role ARN; write it like "arn:aws:iam::123456789012:role/scb-rescanner"',
        }),
      }, { error: 'expected a mapping with roleArn' }).optional(),
      gcp: z.strictObject({
        serviceAccount: z.string({ error: 'expected a Google service account e-mail' }).regex(/^[a-z][a-z0-9-]{4,28}[a-z0-9]@[a-z0-9-]+\.iam\.gserviceaccount\.com$/, {
          error: 'is not a Google service account e-mail; write it like "scb-rescanner@my-project.iam.gserviceaccount.com"',
        }),
      }, { error: 'expected a mapping with serviceAccount' }).optional(),
      azure: z.strictObject({
        clientId: z.string({ error: 'expected the managed identity client ID (a UUID)' }).regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, {
          error: 'is not a client ID; write the managed identity\'s UUID, e.g. "00000000-0000-0000-0000-000000000000"',
        }),
      }, { error: 'expected a mapping with clientId' }).optional(),
      secret: z.strictObject({
        name: z.string({ error: 'expected a Secret name' }).regex(DNS_SUBDOMAIN, { error: 'is not a Secret name (lower-case letters, digits, "-" and ".")' }),
      }, { error: 'expected a mapping with name' }).optional(),
    },
    { error: 'expected a mapping with aws, gcp, azure or secret' },
  )
  .refine((id) => [id.aws, id.gcp, id.azure].filter(Boolean).length <= 1, { error: 'names more than one cloud identity; a pod has one: keep aws, gcp or azure' })
  .refine((id) => Object.values(id).some(Boolean), { error: 'is empty; give aws.roleArn, gcp.serviceAccount, azure.clientId or secret.name' });

export type RegistryIdentity = z.output<typeof registryIdentitySchema>;

/**
 * The ServiceAccount annotations that bind a workload to its cloud identity: IRSA
 * (`eks.amazonaws.com/role-arn`), GKE Workload Identity (`iam.gke.io/gcp-service-account`) or
 * Azure workload identity (`azure.workload.identity/client-id`, with the pod label below).
 */
export function workloadIdentityServiceAccountAnnotations(id: RegistryIdentity | undefined): Record<string, string> | undefined {
  if (id?.aws) return { 'eks.amazonaws.com/role-arn': id.aws.roleArn };
  if (id?.gcp) return { 'iam.gke.io/gcp-service-account': id.gcp.serviceAccount };
  if (id?.azure) return { 'azure.workload.identity/client-id': id.azure.clientId };
  return undefined;
}

/** Pod label Azure workload identity's webhook needs to inject the token (besides the annotation). */
export const AZURE_WORKLOAD_IDENTITY_POD_LABEL = { 'azure.workload.identity/use': 'true' } as const;
