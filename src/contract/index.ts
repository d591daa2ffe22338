/**
 * The contract: names, labels, patterns, parsers and formats the model and every area share.
 * It imports nothing of the project, so anything (the rescanner image included) can use it
 * without pulling in zod, cdk8s or the customer schema.
 */
export * from './names';
export * from './patterns';
export * from './duration';
export * from './clock';
export * from './dates';
export * from './shell';
export * from './serialisation';
export * from './engines';
export * from './identity';
export * from './trivy';
export * from './suggest';
