/**
 * YAML options for Kubernetes manifests, fixed so output is byte-stable. `version: '1.1'` quotes
 * every string a YAML 1.1 reader (go-yaml v2 behind kubectl, Argo CD, Flux) would turn into a
 * date, boolean or number: an annotation `2026-10-15` must stay a string.
 */
export const YAML_OPTIONS = { version: '1.1', lineWidth: 0, minContentWidth: 0, aliasDuplicateObjects: false } as const;

/** GitHub reads workflows as YAML 1.2, where `on:` is a plain key; everything else as above. */
export const WORKFLOW_YAML_OPTIONS = { lineWidth: 0, minContentWidth: 0, aliasDuplicateObjects: false } as const;
