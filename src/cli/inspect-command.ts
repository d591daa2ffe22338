import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { INSPECT_EXIT, inspectImage, renderText } from '../inspect';
import type { Customer } from '../model/customer';
import { globMatches } from '../model/globs';
import { CustomerValidationError, formatFieldError, listStackFiles, loadCustomers } from '../model/load';
import { imageReferencePatterns } from '../contract/identity';
import { type ImageReference, ImageReferenceError, parseImageReference, repositoryName } from '../verification/reference';
import { resolveClock } from './args';
import { parseCommandLine } from './command-line';
import { EXIT, UsageError } from './main';

export const INSPECT_HELP = `Usage: scb inspect IMAGE[:TAG|@DIGEST] [--customer NAME] [--at DATE] [--output text|json]

Shows an image's provenance graph and whether the customer's admission policies would admit it:
resolves a tag to its digest (the verdict is always about the digest), walks the OCI 1.1
referrers and the legacy cosign tags (sha256-<hex>.sig/.att), verifies every signature and
attestation against the customer's signing identity (issuer, workflow on the release branch,
trigger, repository), summarises the SBOM and the scan, and gives the verdict of rules 1-4 at the
clock, in the soft period or enforcing, with one fix per refusal. See docs/inspect.md.

Options:
      --customer NAME|FILE  the customer (stacks/Pulumi.NAME.yaml, or a stack file); default: the one
                            customer whose image references match IMAGE
      --stacks DIR          folder of the customer files (default: stacks)
      --at DATE             the clock (YYYY-MM-DD or ISO 8601; default: $SCB_AT, else now)
      --output text|json    a readable tree (default) or stable JSON (schemaVersion 1)
      --trusted-root FILE   trusted_root.json of a private Sigstore instance (default: public Sigstore via TUF)
      --insecure-ignore-tlog  accept artifacts without a transparency-log entry (private instances, tests)
      --insecure-ignore-sct   accept certificates without an SCT (private instances, tests)
  -h, --help                show this help

Registry credentials come from the Docker config ($DOCKER_CONFIG/config.json, default
~/.docker/config.json) and its credential helpers. Legacy .sig/.att are verified with the cosign
CLI ($COSIGN, else cosign on PATH).

Exit codes: 0 would be admitted (in the soft period possibly with warnings), 1 would be refused,
2 usage error or invalid customer file, 3 could not inspect (registry unreachable, authentication
refused, no such image): never reported as admitted.
`;

const OPTIONS = {
  customer: { type: 'string' },
  stacks: { type: 'string', default: 'stacks' },
  at: { type: 'string' },
  output: { type: 'string', default: 'text' },
  'trusted-root': { type: 'string' },
  'insecure-ignore-tlog': { type: 'boolean', default: false },
  'insecure-ignore-sct': { type: 'boolean', default: false },
} as const;

/** The customer: named (or a stack file), else the only one whose image references match the image. */
function chooseCustomer(reference: ImageReference, customerFlag: string | undefined, stacksDir: string): Customer {
  let files: string[];
  if (customerFlag !== undefined) {
    const asFile = /\.ya?ml$/.test(customerFlag) ? customerFlag : join(stacksDir, `Pulumi.${customerFlag}.yaml`);
    if (!existsSync(asFile)) throw new UsageError(`--customer ${customerFlag}: ${asFile} does not exist; name a customer of ${stacksDir}/ or a stack file`);
    files = [asFile];
  } else {
    try {
      files = listStackFiles(stacksDir);
    } catch {
      throw new UsageError(`cannot list ${stacksDir}/; run from the project root, or give --customer FILE`);
    }
  }
  const customers = loadCustomers(files);
  if (customerFlag !== undefined) return customers[0];
  const spellings = [reference.original, `${repositoryName(reference)}@sha256:${'0'.repeat(64)}`, `${repositoryName(reference)}:latest`];
  const matching = customers.filter((customer) => imageReferencePatterns(customer).some((glob) => spellings.some((spelling) => globMatches(glob, spelling))));
  if (matching.length === 1) return matching[0];
  if (matching.length === 0) throw new UsageError(`no customer in ${stacksDir}/ has ${repositoryName(reference)} among its image references; name one with --customer`);
  throw new UsageError(`several customers match ${repositoryName(reference)} (${matching.map((customer) => customer.name).join(', ')}); name one with --customer`);
}

export async function inspectCommand(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const commandLine = parseCommandLine(argv, { options: OPTIONS, positionals: true, help: INSPECT_HELP });
  if (!commandLine) return EXIT.ok;
  const { values, positionals } = commandLine;
  if (positionals.length !== 1) throw new UsageError(positionals.length === 0 ? 'name the image: scb inspect IMAGE[:TAG|@DIGEST]' : `one image at a time (got ${positionals.length})`);
  if (values.output !== 'text' && values.output !== 'json') throw new UsageError(`--output ${values.output}: expected text or json`);
  const trustedRoot = values['trusted-root'];
  if (trustedRoot !== undefined && !existsSync(trustedRoot)) throw new UsageError(`--trusted-root ${trustedRoot} does not exist`);
  let reference: ImageReference;
  try {
    reference = parseImageReference(positionals[0]);
  } catch (error) {
    if (error instanceof ImageReferenceError) throw new UsageError(error.message);
    throw error;
  }
  const at = resolveClock(values.at, env);
  let customer: Customer;
  try {
    customer = chooseCustomer(reference, values.customer, values.stacks);
  } catch (error) {
    if (!(error instanceof CustomerValidationError)) throw error;
    for (const problem of error.errors) process.stderr.write(`error: ${formatFieldError(problem)}\n`);
    process.stderr.write('scb inspect: the customer file is invalid; fix it (scb validate) and inspect again.\n');
    return INSPECT_EXIT.usage;
  }
  const { report, exitCode } = await inspectImage({
    customer,
    reference,
    at,
    trust: { trustedRootPath: trustedRoot, insecureIgnoreTlog: values['insecure-ignore-tlog'], insecureIgnoreSct: values['insecure-ignore-sct'] },
    cosign: { env },
  });
  process.stdout.write(values.output === 'json' ? `${JSON.stringify(report, null, 2)}\n` : renderText(report));
  if (exitCode === INSPECT_EXIT.notInspected && values.output === 'json') process.stderr.write(`scb inspect: could not inspect ${reference.original}: ${report.errors[0]}\n`);
  return exitCode;
}
