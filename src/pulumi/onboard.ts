import * as pulumi from '@pulumi/pulumi';
import { KYVERNO_CHART, POLICY_EXCEPTION_NAMESPACE, kyvernoHelmValues, type KyvernoHelmValues } from '../admission/kyverno-values';
import { signingIdentity } from '../model/supply-chain-contract';
import { renderBundle } from '../synth/bundle';
import { BUNDLE_CONTRIBUTORS } from '../synth/contributors';
import { bundleGroups } from './bundle-groups';
import { bundleManifests, dashboardUids, policyNames } from './bundle-manifests';
import { githubDelivery } from './github-delivery';
import { clusterProvider } from './kubernetes-provider';
import { kyvernoRelease } from './kyverno-release';
import { createNamespaces, withoutNamespaces } from './namespaces';
import { deliversCluster, deliversRepository, kyvernoChartSource } from '../delivery/settings';
import type { StackInputs } from './stack-config';

/** The stack outputs. None of them is a secret, and none may ever carry one. */
export interface StackOutputs {
  readonly customer: string;
  readonly enforcementMode: string;
  readonly flipDate: string;
  readonly enforcementSource: string;
  /** The clock the mode was judged at (ISO 8601) and where it came from. */
  readonly clock: string;
  readonly policyNames: string[];
  readonly workflowPath: string;
  /** Absent when the stack delivers the cluster half only. */
  readonly workflowUrl?: string;
  readonly pullRequestUrl?: pulumi.Output<string>;
  readonly signingIdentity: { issuer: string; subject: string };
  readonly dashboardUids: string[];
  readonly kyvernoChartVersion: string;
}

/**
 * Onboards one customer: the namespaces, Kyverno, the synthesized bundle (what `scb synth`
 * writes, rendered by the same code at the same clock) on the cluster, and the release workflow
 * in the customer's repository.
 */
export function onboardCustomer(inputs: StackInputs): StackOutputs {
  const { customer, delivery, at } = inputs;
  const bundle = renderBundle(customer, at, BUNDLE_CONTRIBUTORS);
  const identity = signingIdentity(customer);
  const workflowPath = `github/${identity.workflowPath}`;
  const workflow = bundle.files.get(workflowPath);
  if (workflow === undefined) throw new pulumi.RunError(`the bundle of ${customer.name} has no ${workflowPath}; the workflow contributor is missing from BUNDLE_CONTRIBUTORS`);
  const manifests = bundleManifests(bundle);

  if (deliversCluster(delivery)) {
    const { waitForPods } = delivery.kubernetes;
    const provider = clusterProvider({ kubeconfig: inputs.kubeconfig, context: delivery.kubernetes.context });
    const exceptionsNamespace = exceptionNamespaceOf(kyvernoHelmValues(customer, delivery.kubernetes.kyvernoNamespace));
    const namespaces = createNamespaces({
      provider,
      required: [delivery.kubernetes.kyvernoNamespace, ...(exceptionsNamespace ? [exceptionsNamespace] : [])],
      manifests,
    });
    const kyverno = kyvernoRelease({
      customer,
      provider,
      namespace: delivery.kubernetes.kyvernoNamespace,
      dependsOn: namespaces,
      chartSource: kyvernoChartSource(delivery, inputs.projectDir),
      waitForPods,
    });
    bundleGroups({ provider, manifests: withoutNamespaces(manifests), namespaces, kyverno, waitForPods });
  }

  const delivered = deliversRepository(delivery) && inputs.github ? githubDelivery({ customer, settings: delivery.github, credentials: inputs.github, workflow }) : undefined;
  return {
    customer: customer.name,
    enforcementMode: bundle.enforcement.mode,
    flipDate: bundle.enforcement.flipDate,
    enforcementSource: bundle.enforcement.source,
    clock: `${at.toISOString()} (${inputs.clockSource === 'config' ? 'supply-chain:at' : 'time of the run'})`,
    policyNames: policyNames(manifests),
    workflowPath: identity.workflowPath,
    ...(delivered ? { workflowUrl: delivered.workflowUrl } : {}),
    ...(delivered?.pullRequestUrl ? { pullRequestUrl: delivered.pullRequestUrl } : {}),
    signingIdentity: { issuer: identity.issuer, subject: identity.subject },
    dashboardUids: dashboardUids(manifests),
    kyvernoChartVersion: KYVERNO_CHART.version,
  };
}

/** The exceptions namespace the chart values name (whoever owns the values decides it). */
function exceptionNamespaceOf(values: KyvernoHelmValues): string | undefined {
  const { enabled, namespace } = values.features.policyExceptions;
  return enabled ? namespace || POLICY_EXCEPTION_NAMESPACE : undefined;
}
