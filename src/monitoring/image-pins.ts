import type { Customer } from '../model/customer';
import type { FieldError } from '../model/config-errors';
import { MONITORING_IMAGES, imageReference } from './images';

/** The rescanner image: the customer's digest-pinned override, or this release's own. */
export function rescannerImage(customer: Pick<Customer, 'monitoring'>): { reference: string; placeholder: boolean } {
  if (customer.monitoring.rescannerImage) return { reference: customer.monitoring.rescannerImage, placeholder: false };
  return { reference: imageReference(MONITORING_IMAGES.rescanner), placeholder: MONITORING_IMAGES.rescanner.placeholder };
}

/**
 * Refuses a bundle whose rescanner would run this release's placeholder digest: the CronJob could
 * never pull it, so no image would be scanned and every vulnerability alert would stay silent
 * (only the dead man's switch would notice, hours later). `scb validate`, `scb synth`, `scb fleet` and `pulumi up` run it (src/bundle-checks.ts);
 * `monitoring.allowPlaceholderImages: true` opts out for a dry run.
 */
export function placeholderImageProblems(customer: Pick<Customer, 'monitoring' | 'sourceFile'>): FieldError[] {
  if (customer.monitoring.allowPlaceholderImages || !rescannerImage(customer).placeholder) return [];
  const { repository } = MONITORING_IMAGES.rescanner;
  return [
    {
      file: customer.sourceFile,
      field: 'monitoring.rescannerImage',
      message:
        `is not set, and this release's rescanner image is a placeholder digest (sha256:000…0) that no registry serves. ` +
        `Fix: build the rescanner image from this project's Dockerfile, push it to a registry the cluster pulls from, and set ` +
        `monitoring.rescannerImage to it pinned by digest (e.g. "${repository}@sha256:<64 hex digits>"; docs/monitoring.md); ` +
        `for a dry run only, set monitoring.allowPlaceholderImages: true.`,
    },
  ];
}
