import * as pulumi from '@pulumi/pulumi';
import { admissionEngine } from '../admission/engines';
import { POLICY_EXCEPTION_NAMESPACE, kyvernoHelmValues, type KyvernoHelmValues } from '../admission/kyverno-values';
import { clusterArtifactsInApplyOrder, type BundleManifest, type RepositoryArtifact } from '../manifest';
import { bundleGroups, type BundleGroups } from './bundle-groups';
import { githubDelivery, type GitHubDelivery } from './github-delivery';
import { clusterProvider } from './kubernetes-provider';
import { kyvernoRelease } from './kyverno-release';
import { createNamespaces, withoutNamespaces } from './namespaces';
import { deliversCluster, deliversRepository, kyvernoChartSource } from '../delivery/settings';
import type { StackInputs } from './stack-config';

/** The component's type token. */
export const CUSTOMER_ONBOARDING_TYPE = 'supply-chain:index:CustomerOnboarding';

/** The stack outputs, read from the manifest's facts. None of them is a secret, and none may ever carry one. */
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

export interface CustomerOnboardingArgs {
  readonly inputs: StackInputs;
  /** The customer's manifest, rendered by the same features and clock as `scb synth`. */
  readonly manifest: BundleManifest;
}

/**
 * Onboards one customer: the namespaces, Kyverno, the cluster artifacts in their apply phases,
 * and every customer-repository artifact committed to the customer's repository; or only one of
 * the two halves (`supply-chain:delivery.deliver`).
 *
 * Its children were top-level resources of the stack before the component existed; each carries
 * an alias to its old parent (the stack), so existing stacks keep their resources.
 */
export class CustomerOnboarding extends pulumi.ComponentResource {
  readonly outputs: StackOutputs;
  /** The cluster half's groups; absent with `deliver: repository`. */
  readonly groups?: BundleGroups;
  /** The repository half; absent with `deliver: cluster`. */
  readonly github?: GitHubDelivery;

  constructor(name: string, args: CustomerOnboardingArgs, options: pulumi.ComponentResourceOptions = {}) {
    super(CUSTOMER_ONBOARDING_TYPE, name, {}, options);
    const { inputs, manifest } = args;
    const { customer, delivery, at } = inputs;
    const { facts } = manifest;
    const child: pulumi.CustomResourceOptions = { parent: this, aliases: [{ parent: pulumi.rootStackResource }] };
    const engine = admissionEngine(facts.engine);

    if (deliversCluster(delivery)) {
      const { waitForPods } = delivery.kubernetes;
      const provider = clusterProvider({ kubeconfig: inputs.kubeconfig, context: delivery.kubernetes.context }, child);
      const cluster = clusterArtifactsInApplyOrder(manifest.artifacts);
      const exceptionsNamespace = exceptionNamespaceOf(kyvernoHelmValues(customer, delivery.kubernetes.kyvernoNamespace));
      const namespaces = createNamespaces({
        provider,
        required: [delivery.kubernetes.kyvernoNamespace, ...(exceptionsNamespace ? [exceptionsNamespace] : [])],
        artifacts: cluster,
        options: child,
      });
      const kyverno = kyvernoRelease({
        customer,
        install: engine.install,
        provider,
        namespace: delivery.kubernetes.kyvernoNamespace,
        dependsOn: namespaces,
        chartSource: kyvernoChartSource(delivery, inputs.projectDir),
        waitForPods,
        options: child,
      });
      this.groups = bundleGroups({ provider, artifacts: withoutNamespaces(cluster), namespaces, kyverno, waitForPods, options: child });
    }

    if (deliversRepository(delivery) && inputs.github) {
      const repositoryFiles = manifest.artifacts.filter((artifact): artifact is RepositoryArtifact => artifact.destination === 'customer-repository');
      this.github = githubDelivery({ customer, identity: facts.identity, settings: delivery.github, credentials: inputs.github, files: repositoryFiles, options: child });
    }

    this.outputs = {
      customer: facts.customer,
      enforcementMode: facts.enforcement.mode,
      flipDate: facts.enforcement.flipDate,
      enforcementSource: facts.enforcement.source,
      clock: `${at.toISOString()} (${inputs.clockSource === 'config' ? 'supply-chain:at' : 'time of the run'})`,
      policyNames: facts.policies.map((policy) => policy.name),
      workflowPath: facts.identity.workflowPath,
      ...(this.github ? { workflowUrl: `${this.github.repositoryUrl}/blob/${this.github.targetBranch}/${facts.identity.workflowPath}` } : {}),
      ...(this.github?.pullRequestUrl ? { pullRequestUrl: this.github.pullRequestUrl } : {}),
      signingIdentity: { issuer: facts.identity.issuer, subject: facts.identity.subject },
      dashboardUids: facts.dashboards.map((dashboard) => dashboard.uid),
      kyvernoChartVersion: engine.install.chart.version,
    };
    this.registerOutputs({ ...this.outputs });
  }
}

/** The exceptions namespace the chart values name (whoever owns the values decides it). */
function exceptionNamespaceOf(values: KyvernoHelmValues): string | undefined {
  const { enabled, namespace } = values.features.policyExceptions;
  return enabled ? namespace || POLICY_EXCEPTION_NAMESPACE : undefined;
}
