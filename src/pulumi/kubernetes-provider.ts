import * as k8s from '@pulumi/kubernetes';
import type * as pulumi from '@pulumi/pulumi';

export interface ClusterProviderProps {
  /**
   * kubeconfig text from the secret config key `supply-chain:kubeconfig`.
   * @default - $KUBECONFIG or ~/.kube/config, as kubectl would use
   */
  readonly kubeconfig?: pulumi.Output<string>;
  /**
   * Context inside the kubeconfig (`supply-chain:delivery.kubernetes.context`).
   * @default - the kubeconfig's current context
   */
  readonly context?: string;
}

/**
 * The one provider every Kubernetes resource of the stack uses, so that no resource can fall
 * back to whatever cluster the ambient kubeconfig points at. Server-side apply lets Kyverno and
 * Argo CD co-own fields without fighting over them.
 */
export function clusterProvider(props: ClusterProviderProps, options: pulumi.CustomResourceOptions = {}): k8s.Provider {
  return new k8s.Provider('cluster', {
    kubeconfig: props.kubeconfig,
    context: props.context,
    enableServerSideApply: true,
  }, options);
}
