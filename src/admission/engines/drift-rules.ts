/** What the drift-control policy demands, shared by every engine's rendering of it. */

export const READ_ONLY_ROOT_MESSAGE =
  'containers in production namespaces must set securityContext.readOnlyRootFilesystem: true (mount an emptyDir where the process writes)';

/** CEL: every container and init container sets readOnlyRootFilesystem to true. */
export const READ_ONLY_ROOT_EXPRESSION = [
  'object.spec.containers.all(c, has(c.securityContext) && has(c.securityContext.readOnlyRootFilesystem) && c.securityContext.readOnlyRootFilesystem == true)',
  '(!has(object.spec.initContainers) || object.spec.initContainers.all(c, has(c.securityContext) && has(c.securityContext.readOnlyRootFilesystem) && c.securityContext.readOnlyRootFilesystem == true))',
].join(' && ');
