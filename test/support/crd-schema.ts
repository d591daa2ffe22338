import Ajv, { type ValidateFunction } from 'ajv';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { REPO_ROOT, SHARED_DIR } from './synth-helper';

/**
 * Kyverno's CRDs of the version the bundle targets: $SCB_SHARED_DIR, else ../shared beside the
 * repository root (a clone, CI), else ../../shared (a git worktree one level deeper).
 */
export const KYVERNO_CRDS_DIR = (() => {
  const candidates = [process.env.SCB_SHARED_DIR, SHARED_DIR, resolve(REPO_ROOT, '..', '..', 'shared')].filter((dir): dir is string => Boolean(dir));
  const found = candidates.map((dir) => join(dir, 'crds', 'kyverno-1.19.0')).find((dir) => existsSync(dir));
  if (!found) throw new Error(`Kyverno 1.19.0 CRDs not found under ${candidates.join(' or ')}; set SCB_SHARED_DIR to the shared/ folder`);
  return found;
})();

type Schema = Record<string, any>;

/**
 * The API server prunes fields a structural schema does not declare, so a misspelt field would be
 * dropped silently on apply. Closing every object that lists `properties` (unless it preserves
 * unknown fields or declares `additionalProperties`) turns that into a validation error here.
 */
function closeObjects(schema: Schema): Schema {
  if (Array.isArray(schema)) return schema.map(closeObjects) as unknown as Schema;
  if (!schema || typeof schema !== 'object') return schema;
  const copy: Schema = {};
  for (const [key, value] of Object.entries(schema)) {
    copy[key] = key === 'properties' ? Object.fromEntries(Object.entries(value as Schema).map(([name, child]) => [name, closeObjects(child)])) : closeObjects(value);
  }
  if (copy.properties && copy.additionalProperties === undefined && copy['x-kubernetes-preserve-unknown-fields'] !== true) {
    copy.additionalProperties = false;
  }
  return copy;
}

/**
 * Validates objects against the openAPIV3Schema of the CRD version their apiVersion/kind names,
 * with ajv (Kubernetes' x-kubernetes-* keywords declared as a vocabulary, Kubernetes formats).
 */
export class CrdValidator {
  private readonly validators = new Map<string, ValidateFunction>();

  constructor(dir = KYVERNO_CRDS_DIR) {
    const ajv = new Ajv({ allErrors: true, strict: true, strictTypes: false, strictRequired: false, validateFormats: true });
    ajv.addVocabulary(['x-kubernetes-preserve-unknown-fields', 'x-kubernetes-list-type', 'x-kubernetes-list-map-keys', 'x-kubernetes-map-type', 'x-kubernetes-int-or-string', 'x-kubernetes-validations', 'x-kubernetes-embedded-resource']);
    ajv.addFormat('int32', { type: 'number', validate: (value: number) => Number.isInteger(value) && Math.abs(value) < 2 ** 31 });
    ajv.addFormat('int64', { type: 'number', validate: (value: number) => Number.isInteger(value) });
    ajv.addFormat('int', { type: 'number', validate: (value: number) => Number.isInteger(value) });
    ajv.addFormat('date-time', /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/);
    for (const file of readdirSync(dir).filter((name) => name.endsWith('.yaml'))) {
      for (const doc of parseAllDocuments(readFileSync(join(dir, file), 'utf8'))) {
        const crd = doc.toJS() as Schema;
        if (crd?.kind !== 'CustomResourceDefinition') continue;
        for (const version of crd.spec.versions) {
          const key = `${crd.spec.group}/${version.name}/${crd.spec.names.kind}`;
          this.validators.set(key, ajv.compile(closeObjects(version.schema.openAPIV3Schema)));
        }
      }
    }
  }

  /** Kinds this validator knows, as `group/version/Kind`. */
  get kinds(): string[] {
    return [...this.validators.keys()];
  }

  /** Problems of one object as `path: message` lines; empty when valid. */
  problems(object: Schema): string[] {
    const key = `${object.apiVersion}/${object.kind}`;
    const validate = this.validators.get(key);
    if (!validate) return [`no CRD for ${key} in ${KYVERNO_CRDS_DIR}`];
    if (validate(object)) return [];
    return (validate.errors ?? []).map((error) => `${error.instancePath || '/'}: ${error.message}${error.params && 'additionalProperty' in error.params ? ` (${String(error.params.additionalProperty)})` : ''}`);
  }
}
