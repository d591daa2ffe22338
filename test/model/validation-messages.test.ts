import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { stringify } from 'yaml';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CUSTOMER_CONFIG_KEY, CustomerValidationError, formatFieldError, loadCustomers, misnamedStackFiles, parseStackFile } from '../../src/model/load';
import { validCustomer, writeStackFiles } from '../support/customer-files';

/** Given a customer description, when it is parsed, then these are the formatted errors. */
function errorsFor(description: unknown, file = 'stacks/Pulumi.example.yaml'): string[] {
  const text = stringify({ config: { [CUSTOMER_CONFIG_KEY]: description } });
  return parseStackFile(file, text).errors.map(formatFieldError);
}

describe('customer validation messages', () => {
  it('accepts a minimal customer and fills every default', () => {
    const text = stringify({ config: { [CUSTOMER_CONFIG_KEY]: validCustomer() } });
    const { customer, errors } = parseStackFile('stacks/Pulumi.example.yaml', text);
    assert.deepEqual(errors, []);
    assert.ok(customer);
    assert.equal(customer.github.workflow, 'release.yml');
    assert.equal(customer.github.branch, 'main');
    assert.deepEqual(customer.admission.imageReferences, ['ghcr.io/example-org/shop:*', 'ghcr.io/example-org/shop@*']);
    assert.deepEqual(customer.admission.namespaces, ['production-*']);
    assert.equal(customer.admission.engine, 'ImageValidatingPolicy');
    assert.equal(customer.enforcement.softDays, 30);
    // Scan freshness is opt-in (docs/admission.md): no maxAge unless the customer sets one.
    assert.deepEqual(customer.scan, { rescanSchedule: '0 */6 * * *' });
    assert.equal(customer.enforcement.warnDaysBeforeFlip, 7);
    assert.deepEqual(customer.vulnerabilities, { severity: 'CRITICAL', graceDays: 7, fixableOnly: false, acceptedRisks: [] });
    assert.equal(customer.staleness.maxImageAgeDays, 30);
    assert.deepEqual(customer.allowlist, []);
    assert.equal(customer.stack, 'example');
    assert.deepEqual(customer.registry, { type: 'ghcr' });
    assert.deepEqual(customer.release, { platforms: [], githubAttestations: false });
    assert.ok(Object.isFrozen(customer.github), 'the model is frozen');
  });

  it('names a misspelled field and suggests the right one', () => {
    assert.deepEqual(errorsFor(validCustomer({ github: { owner: 'example-org', repository: 'shop', branchh: 'main' } })), [
      'stacks/Pulumi.example.yaml:7:7: github.branchh: unknown field; expected one of owner, repository, repositoryId, workflow, branch. Fix: did you mean "branch"? Rename the field.',
    ]);
  });

  it('reports an unknown top-level field that resembles nothing', () => {
    assert.deepEqual(errorsFor(validCustomer({ colour: 'blue' })), [
      'stacks/Pulumi.example.yaml:10:5: colour: unknown field; expected one of name, github, image, admission, enforcement, scan, staleness, allowlist, monitoring, registry, release, vulnerabilities, dependencyUpdates. Fix: remove it.',
    ]);
  });

  it('refuses an impossible date', () => {
    assert.deepEqual(errorsFor(validCustomer({ enforcement: { onboardedAt: '2026-02-30' } })), [
      'stacks/Pulumi.example.yaml:9:7: enforcement.onboardedAt: "2026-02-30" is not a real calendar date; check the month and the day.',
    ]);
  });

  it('refuses a date in another format', () => {
    assert.deepEqual(errorsFor(validCustomer({ enforcement: { onboardedAt: '09/01/2026' } })), [
      'stacks/Pulumi.example.yaml:9:7: enforcement.onboardedAt: "09/01/2026" is not a date in the form YYYY-MM-DD; write it as, for example, 2026-09-01.',
    ]);
  });

  it('refuses an allowlist image without a digest', () => {
    const entry = { image: 'docker.io/library/redis:7', reason: 'vendor image', owner: 'sre', lastReviewed: '2026-09-01' };
    assert.deepEqual(errorsFor(validCustomer({ allowlist: [entry] })), [
      'stacks/Pulumi.example.yaml:11:9: allowlist[0].image: "docker.io/library/redis:7" is not pinned by digest; write it as registry/repository@sha256:<64 hex digits> (a tag alone can be moved).',
    ]);
  });

  it('refuses an upper-case image repository and says the lower-case spelling', () => {
    assert.deepEqual(errorsFor(validCustomer({ image: 'ghcr.io/Example-Org/shop' })), [
      'stacks/Pulumi.example.yaml:7:5: image: "ghcr.io/Example-Org/shop" has upper-case letters, but OCI repository names are lower case; write "ghcr.io/example-org/shop".',
    ]);
  });

  it('refuses an image with a tag or a digest', () => {
    assert.deepEqual(errorsFor(validCustomer({ image: 'ghcr.io/example-org/shop:1.0' })), [
      'stacks/Pulumi.example.yaml:7:5: image: "ghcr.io/example-org/shop:1.0" carries a tag; give the repository only, without ":tag".',
    ]);
    assert.deepEqual(errorsFor(validCustomer({ image: `ghcr.io/example-org/shop@sha256:${'a'.repeat(64)}` })), [
      `stacks/Pulumi.example.yaml:7:5: image: "ghcr.io/example-org/shop@sha256:${'a'.repeat(64)}" carries a digest; give the repository only, e.g. "ghcr.io/acme/services".`,
    ]);
  });

  it('accepts a registry with a port', () => {
    // A registry other than ghcr.io needs a login (see the registry tests below).
    const registry = { type: 'generic', username: 'robot-release', passwordSecret: 'REGISTRY_PASSWORD' };
    assert.deepEqual(errorsFor(validCustomer({ image: 'registry.example.com:5000/team/shop', registry })), []);
  });

  it('refuses an image without a registry host', () => {
    assert.deepEqual(errorsFor(validCustomer({ image: 'shop' })), [
      'stacks/Pulumi.example.yaml:7:5: image: "shop" has no registry host; write it in full, e.g. "ghcr.io/acme/services" or "docker.io/acme/services".',
    ]);
  });

  it('refuses a name that is not a DNS-1123 label', () => {
    assert.deepEqual(errorsFor(validCustomer({ name: 'Example_Org' })), [
      'stacks/Pulumi.example.yaml:3:5: name: found "Example_Org", but the file is named for stack "example": Pulumi would deliver it as stack example while scb writes dist/Example_Org/. Fix: set name: example, or rename the file to Pulumi.Example_Org.yaml.',
      'stacks/Pulumi.example.yaml:3:5: name: "Example_Org" is not a DNS-1123 label; use lower-case letters, digits and "-", at most 63 characters, starting and ending with a letter or digit.',
    ]);
  });

  it('refuses a workflow path where a file name is expected', () => {
    assert.deepEqual(errorsFor(validCustomer({ github: { owner: 'example-org', repository: 'shop', workflow: '.github/workflows/release.yml' } })), [
      'stacks/Pulumi.example.yaml:7:7: github.workflow: ".github/workflows/release.yml" is not a workflow file name; give a bare file name ending in .yml or .yaml, such as "release.yml".',
    ]);
  });

  it('refuses a full ref where a branch is expected', () => {
    assert.deepEqual(errorsFor(validCustomer({ github: { owner: 'example-org', repository: 'shop', branch: 'refs/heads/main' } })), [
      'stacks/Pulumi.example.yaml:7:7: github.branch: "refs/heads/main" must be a branch name without "refs/heads/".',
    ]);
  });

  it('refuses an unknown admission engine', () => {
    assert.deepEqual(errorsFor(validCustomer({ admission: { engine: 'Gatekeeper' } })), [
      'stacks/Pulumi.example.yaml:11:7: admission.engine: found "Gatekeeper"; expected ImageValidatingPolicy (Kyverno 1.17 or later) or ClusterPolicy (older Kyverno).',
    ]);
  });

  it('refuses an upper-case namespace glob', () => {
    assert.deepEqual(errorsFor(validCustomer({ admission: { namespaces: ['Prod'] } })), [
      'stacks/Pulumi.example.yaml:12:11: admission.namespaces[0]: "Prod" is not a namespace glob (lower-case letters, digits, "-", "*" and "?").',
    ]);
  });

  it('refuses an unknown enforcement mode and a negative soft period', () => {
    assert.deepEqual(errorsFor(validCustomer({ enforcement: { onboardedAt: '2026-09-01', softDays: -1, mode: 'warn' } })), [
      'stacks/Pulumi.example.yaml:10:7: enforcement.softDays: -1 must not be negative.',
      'stacks/Pulumi.example.yaml:11:7: enforcement.mode: found "warn"; expected "audit" or "enforce", or leave it out to follow the soft period.',
    ]);
  });

  it('refuses a duration, a cron schedule and a number of days that are malformed', () => {
    assert.deepEqual(errorsFor(validCustomer({ scan: { maxAge: '7d', rescanSchedule: 'every 6h' }, vulnerabilities: { graceDays: '7' } })), [
      'stacks/Pulumi.example.yaml:11:7: scan.maxAge: "7d" is not a Go duration; write hours, minutes and seconds such as "168h" or "90m".',
      'stacks/Pulumi.example.yaml:12:7: scan.rescanSchedule: "every 6h" is not a five-field cron expression (minute hour day-of-month month day-of-week); for every 6 hours write "0 */6 * * *".',
      'stacks/Pulumi.example.yaml:14:7: vulnerabilities.graceDays: found "7"; expected a whole number of days. Fix: remove the quotes (graceDays: 7); in quotes YAML reads a number as text.',
    ]);
  });

  it('refuses a stale-image threshold of zero days', () => {
    assert.deepEqual(errorsFor(validCustomer({ staleness: { maxImageAgeDays: 0 } })), [
      'stacks/Pulumi.example.yaml:11:7: staleness.maxImageAgeDays: 0 must be at least 1 day.',
    ]);
  });

  it('refuses an allowlist entry without owner or reason', () => {
    const entry = { image: `docker.io/library/redis@sha256:${'b'.repeat(64)}`, reason: ' ', lastReviewed: '2026-09-01' };
    assert.deepEqual(errorsFor(validCustomer({ allowlist: [entry] })), [
      'stacks/Pulumi.example.yaml:12:9: allowlist[0].reason: " " must not be empty; say why the image is exempt.',
      'stacks/Pulumi.example.yaml:11:9: allowlist[0].owner: is required but missing; expected the owning team or person.',
    ]);
  });

  it('reports every missing required field together', () => {
    assert.deepEqual(errorsFor({ name: 'example' }), [
      'stacks/Pulumi.example.yaml:3:5: github: is required but missing; expected a mapping with owner and repository (and optionally workflow and branch).',
      'stacks/Pulumi.example.yaml:3:5: image: is required but missing; expected the image repository, e.g. "ghcr.io/acme/services".',
      'stacks/Pulumi.example.yaml:3:5: enforcement: is required but missing; expected a mapping with onboardedAt (YYYY-MM-DD), and optionally softDays, mode and warnDaysBeforeFlip.',
    ]);
  });

  it('says where the customer description belongs when it is missing', () => {
    assert.deepEqual(parseStackFile('stacks/Pulumi.example.yaml', 'config:\n  kubernetes:context: prod\n').errors.map(formatFieldError), [
      'stacks/Pulumi.example.yaml: config."supply-chain:customer": is missing; the customer description lives under this config key. Fix: add "supply-chain:customer:" under "config:".',
    ]);
  });

  it('refuses a stray top-level key in the stack file', () => {
    assert.deepEqual(parseStackFile('stacks/Pulumi.example.yaml', 'customer:\n  name: x\n').errors.map(formatFieldError), [
      'stacks/Pulumi.example.yaml: customer: is not a Pulumi stack file key; expected one of config, secretsprovider, encryptedkey, encryptionsalt, environment. Fix: put the customer under config."supply-chain:customer".',
    ]);
  });

  it('reports YAML syntax errors with their position', () => {
    const [error] = parseStackFile('stacks/Pulumi.example.yaml', 'config:\n  a: [1, 2\n').errors.map(formatFieldError);
    assert.match(error, /^stacks\/Pulumi\.example\.yaml:\d+:\d+: \(yaml\): .+\. Fix the YAML syntax\.$/);
  });

  it('refuses a file not named like a stack file', () => {
    const text = stringify({ config: { [CUSTOMER_CONFIG_KEY]: validCustomer() } });
    assert.deepEqual(parseStackFile('stacks/acme.yaml', text).errors.map(formatFieldError), [
      'stacks/acme.yaml: (file name): is not named like a Pulumi stack file; rename it to stacks/Pulumi.<customer>.yaml.',
    ]);
  });

  it('refuses a workflow named like the generated deploy gate', () => {
    assert.deepEqual(errorsFor(validCustomer({ github: { owner: 'example-org', repository: 'shop', workflow: 'deploy-gate.yml' } })), [
      'stacks/Pulumi.example.yaml:7:7: github.workflow: "deploy-gate.yml" is the file name of the generated deploy-gate workflow; choose another name, such as "release.yml".',
    ]);
  });

  it('asks for a registry login when the image is not on ghcr.io', () => {
    assert.deepEqual(errorsFor(validCustomer({ image: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop' })), [
      'stacks/Pulumi.example.yaml:3:5: registry: found nothing; expected a registry login for 123456789012.dkr.ecr.eu-west-1.amazonaws.com: only ghcr.io images log in without one. Fix: add registry with type ecr, gar, acr, dockerhub or generic (see docs/customer-file.md#registry-types).',
    ]);
  });

  it('refuses a registry type that does not serve the image host', () => {
    const registry = { type: 'ecr', roleToAssume: 'arn:aws:iam::123456789012:role/release' };
    assert.deepEqual(errorsFor(validCustomer({ registry })), [
      'stacks/Pulumi.example.yaml:11:7: registry.type: "ecr" does not match the image host ghcr.io; registry type ecr serves <account>.dkr.ecr.<region>.amazonaws.com. Fix: correct image or registry.type (ghcr.io is served by type ghcr).',
    ]);
  });

  it('refuses an unknown registry type and a registry that is not a mapping', () => {
    assert.deepEqual(errorsFor(validCustomer({ registry: { type: 'quay' } })), [
      'stacks/Pulumi.example.yaml:11:7: registry.type: found "quay"; expected a mapping whose type is one of ghcr, ecr, gar, acr, dockerhub, generic.',
    ]);
    assert.deepEqual(errorsFor(validCustomer({ registry: 'ghcr' })), [
      'stacks/Pulumi.example.yaml:10:5: registry: found "ghcr"; expected a mapping whose type is one of ghcr, ecr, gar, acr, dockerhub, generic.',
    ]);
  });

  it('lists the fields of the chosen registry type for an unknown one', () => {
    assert.deepEqual(errorsFor(validCustomer({ registry: { type: 'ghcr', roleToAssume: 'x' } })), [
      'stacks/Pulumi.example.yaml:12:7: registry.roleToAssume: unknown field; expected one of type, admissionIdentity. Fix: remove it.',
    ]);
  });

  it('refuses a missing or malformed cloud identity', () => {
    const image = '123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop';
    assert.deepEqual(errorsFor(validCustomer({ image, registry: { type: 'ecr' } })), [
      'stacks/Pulumi.example.yaml:10:5: registry.roleToAssume: is required but missing; expected the ARN of the IAM role to assume, e.g. "arn:aws:iam::123456789012:role/release".',
    ]);
    assert.deepEqual(errorsFor(validCustomer({ image, registry: { type: 'ecr', roleToAssume: 'release' } })), [
      'stacks/Pulumi.example.yaml:12:7: registry.roleToAssume: "release" is not an IAM role ARN; write it as arn:aws:iam::<12-digit account>:role/<name>.',
    ]);
    const gar = { type: 'gar', workloadIdentityProvider: 'github-pool', serviceAccount: 'release@example' };
    assert.deepEqual(errorsFor(validCustomer({ image: 'europe-west1-docker.pkg.dev/p/r/shop', registry: gar })), [
      'stacks/Pulumi.example.yaml:12:7: registry.workloadIdentityProvider: "github-pool" is not a workload identity provider; write it as projects/<number>/locations/global/workloadIdentityPools/<pool>/providers/<provider>.',
      'stacks/Pulumi.example.yaml:13:7: registry.serviceAccount: "release@example" is not a service account e-mail; write it as <name>@<project>.iam.gserviceaccount.com.',
    ]);
    const zero = '00000000-0000-0000-0000-000000000000';
    assert.deepEqual(errorsFor(validCustomer({ image: 'exampleorg.azurecr.io/shop', registry: { type: 'acr', clientId: 'x', tenantId: zero, subscriptionId: zero } })), [
      'stacks/Pulumi.example.yaml:12:7: registry.clientId: "x" is not a UUID; copy the application (client) ID from the Azure portal.',
    ]);
  });

  it('refuses a Docker Hub token secret named like a GitHub-reserved one, and a bad user name', () => {
    assert.deepEqual(errorsFor(validCustomer({ image: 'docker.io/acme/shop', registry: { type: 'dockerhub', username: 'Acme', tokenSecret: 'GITHUB_TOKEN' } })), [
      'stacks/Pulumi.example.yaml:12:7: registry.username: "Acme" is not a Docker Hub user name (lower-case letters, digits, "-" and "_").',
      'stacks/Pulumi.example.yaml:13:7: registry.tokenSecret: "GITHUB_TOKEN" is not a GitHub secret name; use upper-case letters, digits and "_", not starting with GITHUB_.',
    ]);
  });

  it('refuses a malformed or repeated platform', () => {
    assert.deepEqual(errorsFor(validCustomer({ release: { platforms: ['linux/amd64', 'linux/amd64', 'amd64'] } })), [
      'stacks/Pulumi.example.yaml:14:11: release.platforms[2]: "amd64" is not a platform; write os/arch or os/arch/variant, e.g. "linux/arm64" or "linux/arm/v7".',
      'stacks/Pulumi.example.yaml:11:7: release.platforms: a list repeats a platform; list each once.',
    ]);
  });

  it('refuses a lower-case severity, a non-boolean switch and a malformed accepted risk', () => {
    assert.deepEqual(
      errorsFor(
        validCustomer({
          release: { githubAttestations: 1 },
          vulnerabilities: { severity: 'high', fixableOnly: 'yes', acceptedRisks: [{ cve: 'cve-2024-1', reason: ' ', owner: 'platform', expires: '2026-02-30', image: 'ghcr.io/acme/app:v1' }] },
        }),
      ),
      [
        'stacks/Pulumi.example.yaml:11:7: release.githubAttestations: found 1; expected true or false.',
        'stacks/Pulumi.example.yaml:13:7: vulnerabilities.severity: found "high"; expected one of LOW, MEDIUM, HIGH, CRITICAL (upper case): the lowest severity that blocks.',
        'stacks/Pulumi.example.yaml:14:7: vulnerabilities.fixableOnly: found "yes"; expected true or false.',
        'stacks/Pulumi.example.yaml:16:11: vulnerabilities.acceptedRisks[0].cve: "cve-2024-1" is not a vulnerability ID as Trivy reports it; write it like "CVE-2024-12345" or "GHSA-xxxx-xxxx-xxxx" (upper-case prefix).',
        'stacks/Pulumi.example.yaml:17:11: vulnerabilities.acceptedRisks[0].reason: " " must not be empty; say why the risk is accepted.',
        'stacks/Pulumi.example.yaml:19:11: vulnerabilities.acceptedRisks[0].expires: "2026-02-30" is not a real calendar date; check the month and the day.',
        'stacks/Pulumi.example.yaml:20:11: vulnerabilities.acceptedRisks[0].image: "ghcr.io/acme/app:v1" is not an image repository or repository@sha256:<64 hex digits>; write it like "ghcr.io/acme/services" (no tag).',
      ],
    );
  });

  it('refuses the vulnerability settings of the old release and scan blocks, naming where they moved', () => {
    assert.deepEqual(errorsFor(validCustomer({ scan: { criticalGraceDays: 3 }, release: { failOnSeverities: ['CRITICAL'], fixableOnly: false } })), [
      'stacks/Pulumi.example.yaml:11:7: scan.criticalGraceDays: 3 is set here, but the vulnerability rule moved into one block that the release job, admission, the deploy gate and the rescanner share. Fix: write it as vulnerabilities.graceDays (see docs/release-workflow.md).',
      'stacks/Pulumi.example.yaml:13:7: release.failOnSeverities: a list is set here, but the vulnerability rule moved into one block that the release job, admission, the deploy gate and the rescanner share. Fix: write it as vulnerabilities.severity (the lowest severity that blocks, e.g. HIGH) (see docs/release-workflow.md).',
      'stacks/Pulumi.example.yaml:15:7: release.fixableOnly: false is set here, but the vulnerability rule moved into one block that the release job, admission, the deploy gate and the rescanner share. Fix: write it as vulnerabilities.fixableOnly (see docs/release-workflow.md).',
    ]);
  });

  it('refuses a release option that is not a mapping', () => {
    assert.deepEqual(errorsFor(validCustomer({ release: ['linux/amd64'] })), [
      'stacks/Pulumi.example.yaml:10:5: release: found a list; expected a mapping with platforms or githubAttestations.',
    ]);
  });

  it('refuses two files with the same customer name, naming both with their lines', () => {
    // Given the same stack file name in two folders (file names are unique within one),
    const [first] = writeStackFiles({ example: validCustomer() });
    const [second] = writeStackFiles({ example: validCustomer() });
    assert.throws(
      () => loadCustomers([first, second], '/'),
      (error: unknown) => {
        assert.ok(error instanceof CustomerValidationError);
        assert.deepEqual(error.errors.map(formatFieldError), [
          `${second.slice(1)}:3:5: name: found "example", which is already the name of the customer in ${first.slice(1)}:3; customer names must be unique across stacks/. Fix: rename one of them.`,
        ]);
        return true;
      },
    );
  });

  it('given one named file, when stacks/ holds another customer of that name, then the duplicate is refused', () => {
    const [elsewhere] = writeStackFiles({ example: validCustomer() });
    const [inStacks] = writeStackFiles({ example: validCustomer() });
    assert.throws(
      () => loadCustomers([elsewhere], '/', { others: [inStacks] }),
      (error: unknown) => {
        assert.ok(error instanceof CustomerValidationError);
        assert.deepEqual(error.errors.map(formatFieldError), [
          `${elsewhere.slice(1)}:3:5: name: found "example", which is already the name of the customer in ${inStacks.slice(1)}:3; customer names must be unique across stacks/. Fix: rename one of them.`,
        ]);
        return true;
      },
    );
    // The same file is not its own duplicate.
    assert.equal(loadCustomers([inStacks], '/', { others: [inStacks] }).length, 1);
  });

  it('refuses a customer named like a fleet-level folder of dist/', () => {
    const files = writeStackFiles({ argocd: validCustomer({ name: 'argocd' }) });
    assert.throws(
      () => loadCustomers(files, '/'),
      (error: unknown) => {
        assert.ok(error instanceof CustomerValidationError);
        assert.deepEqual(error.errors.map(formatFieldError), [
          `${files[0].slice(1)}:3:5: name: found "argocd", which is reserved: scb synth writes the fleet-level argocd/ folder beside the customer folders. Fix: choose another customer name.`,
        ]);
        return true;
      },
    );
  });

  it('refuses image reference globs that miss the released image, by tag or by digest', () => {
    assert.deepEqual(errorsFor(validCustomer({ admission: { imageReferences: ['ghcr.io/other/*'] } })), [
      'stacks/Pulumi.example.yaml:11:7: admission.imageReferences: found a list; expected globs that match the image the workflow signs, but none of "ghcr.io/other/*" matches ghcr.io/example-org/shop:<commit sha> or ghcr.io/example-org/shop@sha256:<digest>: the policies would never verify the signed image and rule 4 would refuse every release. Fix: add "ghcr.io/example-org/shop:*" and "ghcr.io/example-org/shop@*", or leave imageReferences out to derive them from image.',
    ]);
    assert.deepEqual(errorsFor(validCustomer({ admission: { imageReferences: ['ghcr.io/example-org/shop:*'] } })), [
      'stacks/Pulumi.example.yaml:11:7: admission.imageReferences: found a list; expected globs that match the image the workflow signs, but none of "ghcr.io/example-org/shop:*" matches ghcr.io/example-org/shop@sha256:<digest>: the policies would never verify the signed image and rule 4 would refuse every release. Fix: add "ghcr.io/example-org/shop:*" and "ghcr.io/example-org/shop@*", or leave imageReferences out to derive them from image.',
    ]);
  });

  it('accepts globs that cover the image, with * crossing "/" as in Kyverno, and a Docker Hub short form', () => {
    assert.deepEqual(errorsFor(validCustomer({ admission: { imageReferences: ['ghcr.io/example-org/*'] } })), []);
    assert.deepEqual(errorsFor(validCustomer({ admission: { imageReferences: ['ghcr.io/*'] } })), []);
    const dockerHub = { image: 'docker.io/acme/app', registry: { type: 'dockerhub', username: 'acme' } };
    assert.deepEqual(errorsFor(validCustomer({ ...dockerHub, admission: { imageReferences: ['acme/app:*', 'acme/app@*'] } })), []);
  });

  it('gives a Docker Hub image every spelling a pod may use, for its own and for official images', () => {
    const parse = (overrides: Record<string, unknown>) =>
      parseStackFile('stacks/Pulumi.example.yaml', stringify({ config: { [CUSTOMER_CONFIG_KEY]: validCustomer(overrides) } })).customer?.admission.imageReferences;
    const registry = { type: 'dockerhub', username: 'acme' };
    assert.deepEqual(parse({ image: 'docker.io/acme/app', registry }), [
      'docker.io/acme/app:*', 'index.docker.io/acme/app:*', 'acme/app:*',
      'docker.io/acme/app@*', 'index.docker.io/acme/app@*', 'acme/app@*',
    ]);
    assert.deepEqual(parse({ image: 'docker.io/library/redis', registry }), [
      'docker.io/library/redis:*', 'index.docker.io/library/redis:*', 'library/redis:*', 'redis:*', 'docker.io/redis:*', 'index.docker.io/redis:*',
      'docker.io/library/redis@*', 'index.docker.io/library/redis@*', 'library/redis@*', 'redis@*', 'docker.io/redis@*', 'index.docker.io/redis@*',
    ]);
    assert.deepEqual(parse({ image: 'docker.io/acme/app', registry, admission: { imageReferences: ['docker.io/acme/*'] } }), ['docker.io/acme/*', 'index.docker.io/acme/*', 'acme/*']);
    // A wildcard namespace is never shortened: "docker.io/*" as "*" would admit every registry.
    assert.deepEqual(parse({ image: 'docker.io/acme/app', registry, admission: { imageReferences: ['docker.io/*'] } }), ['docker.io/*']);
  });

  it('refuses namespace globs that match a system namespace', () => {
    assert.deepEqual(errorsFor(validCustomer({ admission: { namespaces: ['*', 'production-*', 'kube-*', '*-monitoring', 'kyver?o'] } })), [
      `stacks/Pulumi.example.yaml:12:11: admission.namespaces[0]: "*" matches the system namespaces kube-system, kube-public, kube-node-lease, kyverno, supply-chain-monitoring, supply-chain-drift-agent; rule 4 would refuse every pod there that is not the customer's signed image (the control plane, Kyverno, the bundle's own rescanner, Trivy server and drift agent). Fix: list only the customer's production namespaces, e.g. "production-*".`,
      `stacks/Pulumi.example.yaml:12:11: admission.namespaces[0]: "*" matches flux-system (Flux) and argocd (Argo CD); rule 4 would refuse the GitOps controller's own pods, and with them every later sync. Fix: list only the customer's production namespaces, e.g. "production-*".`,
      `stacks/Pulumi.example.yaml:14:11: admission.namespaces[2]: "kube-*" matches the system namespaces kube-system, kube-public, kube-node-lease; rule 4 would refuse every pod there that is not the customer's signed image (the control plane, Kyverno, the bundle's own rescanner, Trivy server and drift agent). Fix: list only the customer's production namespaces, e.g. "production-*".`,
      `stacks/Pulumi.example.yaml:15:11: admission.namespaces[3]: "*-monitoring" matches the system namespace supply-chain-monitoring; rule 4 would refuse every pod there that is not the customer's signed image (the control plane, Kyverno, the bundle's own rescanner, Trivy server and drift agent). Fix: list only the customer's production namespaces, e.g. "production-*".`,
      `stacks/Pulumi.example.yaml:16:11: admission.namespaces[4]: "kyver?o" matches the system namespace kyverno; rule 4 would refuse every pod there that is not the customer's signed image (the control plane, Kyverno, the bundle's own rescanner, Trivy server and drift agent). Fix: list only the customer's production namespaces, e.g. "production-*".`,
    ]);
    assert.deepEqual(errorsFor(validCustomer({ admission: { namespaces: ['prod', 'prod-*', '*-prod', 'default'] } })), []);
  });

  it('refuses namespace globs that match a GitOps controller, the Pushgateway or the configured Kyverno namespace', () => {
    assert.deepEqual(errorsFor(validCustomer({ admission: { namespaces: ['flux-*', 'argo*'] } })), [
      `stacks/Pulumi.example.yaml:12:11: admission.namespaces[0]: "flux-*" matches flux-system (Flux); rule 4 would refuse the GitOps controller's own pods, and with them every later sync. Fix: list only the customer's production namespaces, e.g. "production-*".`,
      `stacks/Pulumi.example.yaml:13:11: admission.namespaces[1]: "argo*" matches argocd (Argo CD); rule 4 would refuse the GitOps controller's own pods, and with them every later sync. Fix: list only the customer's production namespaces, e.g. "production-*".`,
    ]);
    // The Pushgateway's namespace comes from monitoring.pushgatewayUrl (default: monitoring).
    assert.deepEqual(errorsFor(validCustomer({ admission: { namespaces: ['mon*'] } })), [
      `stacks/Pulumi.example.yaml:12:11: admission.namespaces[0]: "mon*" matches monitoring, the namespace of the Pushgateway (monitoring.pushgatewayUrl); rule 4 would refuse the Pushgateway and Prometheus pods there, and the rescanner's metrics would stop. Fix: list only the customer's production namespaces, e.g. "production-*".`,
    ]);
    const elsewhere = { admission: { namespaces: ['mon*'] }, monitoring: { pushgatewayUrl: 'http://pushgateway.observability.svc:9091' } };
    assert.deepEqual(errorsFor(validCustomer(elsewhere)), []);
    // Kyverno's namespace comes from the delivery settings when they move it.
    const text = stringify({ config: { [CUSTOMER_CONFIG_KEY]: validCustomer({ admission: { namespaces: ['policy-*'] } }), 'supply-chain:delivery': { kubernetes: { kyvernoNamespace: 'policy-engine' } } } });
    assert.deepEqual(parseStackFile('stacks/Pulumi.example.yaml', text).errors.map(formatFieldError), [
      `stacks/Pulumi.example.yaml:12:11: admission.namespaces[0]: "policy-*" matches policy-engine, the Kyverno namespace of supply-chain:delivery.kubernetes.kyvernoNamespace; rule 4 would refuse Kyverno's own pods. Fix: list only the customer's production namespaces, e.g. "production-*".`,
    ]);
  });

  it('given an allowlist image without a registry host, when validated, then it says to write the host, not that it is unpinned', () => {
    const digest = `sha256:${'a'.repeat(64)}`;
    const entry = (image: string) => ({ allowlist: [{ image, reason: 'vendor', owner: 'sre', lastReviewed: '2026-09-01' }] });
    assert.deepEqual(errorsFor(validCustomer(entry(`postgres@${digest}`))), [
      `stacks/Pulumi.example.yaml:11:9: allowlist[0].image: "postgres@${digest}" has no registry host; write it in full, e.g. "docker.io/library/postgres@${digest}" for a Docker Hub official image.`,
    ]);
    assert.deepEqual(errorsFor(validCustomer(entry('docker.io/library/postgres:16'))), [
      `stacks/Pulumi.example.yaml:11:9: allowlist[0].image: "docker.io/library/postgres:16" is not pinned by digest; write it as registry/repository@sha256:<64 hex digits> (a tag alone can be moved).`,
    ]);
  });

  it('given a registry type that cannot serve the image and fields of another type, when validated, then the type is reported first, in the same run', () => {
    const ecrImage = '123456789012.dkr.ecr.eu-west-1.amazonaws.com/app';
    const errors = errorsFor(validCustomer({ image: ecrImage, registry: { type: 'gar', roleToAssume: 'arn:aws:iam::123456789012:role/release' } }));
    assert.match(errors[0], /registry\.type: found "gar"; does not match the image host 123456789012\.dkr\.ecr\.eu-west-1\.amazonaws\.com; registry type gar serves <location>-docker\.pkg\.dev\. Fix: correct image or registry\.type \(123456789012\.dkr\.ecr\.eu-west-1\.amazonaws\.com is served by type ecr\)\./);
    assert.ok(errors.some((error) => /registry\.roleToAssume: unknown field/.test(error)));
  });

  it('given a misspelled section, when validated, then it suggests the section', () => {
    assert.deepEqual(errorsFor({ ...validCustomer(), registries: { type: 'ghcr' } }).filter((error) => error.includes('registries')), [
      'stacks/Pulumi.example.yaml:10:5: registries: unknown field; expected one of name, github, image, admission, enforcement, scan, staleness, allowlist, monitoring, registry, release, vulnerabilities, dependencyUpdates. Fix: did you mean "registry"? Rename the field.',
    ]);
  });

  it('given a quoted number or a plain value with ": ", when validated, then it says how to quote', () => {
    assert.deepEqual(errorsFor(validCustomer({ enforcement: { onboardedAt: '2026-09-15', softDays: '30' } })), [
      'stacks/Pulumi.example.yaml:10:7: enforcement.softDays: found "30"; expected a whole number of days. Fix: remove the quotes (softDays: 30); in quotes YAML reads a number as text.',
    ]);
    const text = `config:\n  supply-chain:customer:\n    name: example\n    allowlist:\n      - image: docker.io/library/redis@sha256:${'a'.repeat(64)}\n        reason: Pinned: upstream regression\n`;
    assert.deepEqual(parseStackFile('stacks/Pulumi.example.yaml', text).errors.map(formatFieldError), [
      'stacks/Pulumi.example.yaml:6:17: (yaml): Nested mappings are not allowed in compact mappings: a plain value cannot contain ": ". Fix: quote the value: reason: "Pinned: upstream regression"',
    ]);
  });

  it('given an upper-case registry type, when validated, then it hints at lower case', () => {
    assert.deepEqual(errorsFor(validCustomer({ registry: { type: 'GHCR' } })), [
      'stacks/Pulumi.example.yaml:11:7: registry.type: found "GHCR"; expected a mapping whose type is one of ghcr, ecr, gar, acr, dockerhub, generic. Fix: write it in lower case: "ghcr".',
    ]);
  });

  it('given onboardedAt years after the clock, when validated, then it is refused as a likely typo', () => {
    const text = stringify({ config: { [CUSTOMER_CONFIG_KEY]: validCustomer({ enforcement: { onboardedAt: '2062-09-15' } }) } });
    assert.deepEqual(parseStackFile('stacks/Pulumi.example.yaml', text, undefined, { at: new Date('2026-12-05T00:00:00Z') }).errors.map(formatFieldError), [
      'stacks/Pulumi.example.yaml:9:7: enforcement.onboardedAt: found "2062-09-15", 35 years after today (2026-12-05): the policies would audit until then and never refuse anything. Fix: write the day the customer starts, e.g. "2026-12-05" (a mistyped year?).',
    ]);
    const nextMonth = stringify({ config: { [CUSTOMER_CONFIG_KEY]: validCustomer({ enforcement: { onboardedAt: '2027-01-04' } }) } });
    assert.deepEqual(parseStackFile('stacks/Pulumi.example.yaml', nextMonth, undefined, { at: new Date('2026-12-05T00:00:00Z') }).errors, []);
  });

  it('given a name that differs from the stack file, when validated, then it is refused with both fixes', () => {
    assert.deepEqual(errorsFor(validCustomer({ name: 'other' })), [
      'stacks/Pulumi.example.yaml:3:5: name: found "other", but the file is named for stack "example": Pulumi would deliver it as stack example while scb writes dist/other/. Fix: set name: example, or rename the file to Pulumi.other.yaml.',
    ]);
  });

  it('given a YAML file in stacks/ not named Pulumi.<name>.yaml, when the folder is checked, then it is refused', () => {
    const [file] = writeStackFiles({ example: validCustomer() });
    const folder = join(file, '..');
    writeFileSync(join(folder, 'globex.yaml'), 'config: {}\n');
    writeFileSync(join(folder, 'notes.txt'), 'not YAML\n');
    assert.deepEqual(misnamedStackFiles(folder, '/').map(formatFieldError), [
      `${folder.slice(1)}/globex.yaml: (file name): is not named Pulumi.<customer>.yaml, so Pulumi and scb ignore it: its customer gets no bundle, and a whole-fleet synth removes the bundle it had. Fix: rename it to ${folder.slice(1)}/Pulumi.globex.yaml.`,
    ]);
  });

  it('refuses a scan age under one hour', () => {
    for (const maxAge of ['0h', '59m59s']) {
      assert.deepEqual(errorsFor(validCustomer({ scan: { maxAge } })), [
        `stacks/Pulumi.example.yaml:11:7: scan.maxAge: "${maxAge}" is shorter than one hour; admission refuses a new workload whose newest scan is older than maxAge, so nearly every release would be refused. Fix: write at least "1h", e.g. "168h", or leave maxAge out (no freshness check).`,
      ]);
    }
    assert.deepEqual(errorsFor(validCustomer({ scan: { maxAge: '60m' } })), []);
  });

  it('refuses branch names git check-ref-format refuses', () => {
    const cases: Record<string, string> = {
      'main..': 'contains ".."',
      'a//b': 'contains "//"',
      'main/': 'ends with "/"',
      'main.': 'ends with "."',
      'release/.next': 'has a path component starting with "."',
      'main.lock': 'has a path component ending in ".lock"',
      'hotfix.lock/x': 'has a path component ending in ".lock"',
    };
    for (const [branch, problem] of Object.entries(cases)) {
      assert.deepEqual(errorsFor(validCustomer({ github: { owner: 'example-org', repository: 'shop', branch } })), [
        `stacks/Pulumi.example.yaml:7:7: github.branch: ${JSON.stringify(branch)} is not a branch name git accepts: it ${problem} (see git check-ref-format), so no release could ever run on it. Fix: write the branch exactly as git shows it, e.g. "main" or "release/v2".`,
      ], branch);
    }
    for (const branch of ['main~1', 'a@{b}', 'a b', 'a:b', 'a\\b']) {
      assert.deepEqual(errorsFor(validCustomer({ github: { owner: 'example-org', repository: 'shop', branch } })), [
        `stacks/Pulumi.example.yaml:7:7: github.branch: ${JSON.stringify(branch)} is not a plain branch name; give it without "refs/heads/", e.g. "main" or "release/v2".`,
      ], branch);
    }
    assert.deepEqual(errorsFor(validCustomer({ github: { owner: 'example-org', repository: 'shop', branch: 'release/v2.1' } })), []);
  });

  it('collects the errors of every file before failing', () => {
    const files = writeStackFiles({ one: validCustomer({ name: 'one', image: 'ghcr.io/A/b' }), two: validCustomer({ name: 'two', enforcement: { onboardedAt: '2026-13-01' } }) });
    assert.throws(() => loadCustomers(files, '/'), (error: unknown) => error instanceof CustomerValidationError && error.errors.length === 2);
  });
});
