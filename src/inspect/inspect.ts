import type { Customer } from '../model/customer';
import { type CosignOptions } from '../verification/cosign-legacy';
import { type ImageReference } from '../verification/reference';
import { RegistryClient, RegistryError } from '../verification/registry-client';
import type { TrustOptions } from '../verification/trust';
import { admissionPolicy, judgeImage } from '../verification/verdict';
import { verifyImage } from '../verification/verify-image';
import { type InspectReport, inspectReport } from './report';

/** Exit codes of `scb inspect`. "Could not inspect" is never 0: scripts must not read it as admitted. */
export const INSPECT_EXIT = {
  /** Would be admitted (in the soft period possibly with warnings). */
  admitted: 0,
  /** Would be refused. */
  refused: 1,
  /** Usage error, or an invalid customer file. */
  usage: 2,
  /** Could not inspect: registry unreachable, authentication refused, no such image or tag. */
  notInspected: 3,
} as const;

export interface InspectOptions {
  readonly customer: Customer;
  readonly reference: ImageReference;
  /** The clock: enforcement state, allowlist reviews and scan ages are all judged at it. */
  readonly at: Date;
  readonly trust?: TrustOptions;
  readonly cosign?: CosignOptions;
  readonly registry?: RegistryClient;
}

/** Inspects one image for one customer: verified facts, per-rule verdict, report. */
export async function inspectImage(options: InspectOptions): Promise<{ report: InspectReport; exitCode: number }> {
  const { customer, reference, at } = options;
  const trust = options.trust ?? {};
  const policy = admissionPolicy(customer, at);
  const identity = policy.identity;
  const base = { customer, identity, at, reference, trust, enforcement: policy.enforcement, scanRule: policy.scan };
  try {
    const verification = await verifyImage(reference, identity, { trust, cosign: options.cosign, registry: options.registry });
    if (verification.uncheckedFormats.includes(policy.format)) {
      // The customer's own format could not be checked: neither admitted nor refused.
      const failure = `cannot verify the ${policy.format} artifacts the ${customer.admission.engine} engine reads: ${verification.errors.join('; ')}`;
      return { report: inspectReport({ ...base, failure }), exitCode: INSPECT_EXIT.notInspected };
    }
    const verdict = judgeImage(verification, policy, at);
    const report = inspectReport({ ...base, verification, verdict });
    return { report, exitCode: verdict.outcome === 'refused' ? INSPECT_EXIT.refused : INSPECT_EXIT.admitted };
  } catch (error) {
    if (!(error instanceof RegistryError)) throw error;
    return { report: inspectReport({ ...base, failure: `${error.kind}: ${error.message}` }), exitCode: INSPECT_EXIT.notInspected };
  }
}
