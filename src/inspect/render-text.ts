import type { InspectReport, ReportArtifact } from './report';

/**
 * The text output of `scb inspect`: a tree like `cosign tree`'s, then the per-rule verdict and
 * one fix per refusal. Rendered from the same report object as the JSON.
 */

interface Node {
  readonly text: string;
  readonly children?: readonly Node[];
}

function renderTree(nodes: readonly Node[], prefix = ''): string[] {
  const lines: string[] = [];
  nodes.forEach((node, index) => {
    const last = index === nodes.length - 1;
    const [first, ...rest] = node.text.split('\n');
    lines.push(`${prefix}${last ? '└── ' : '├── '}${first}`);
    const childPrefix = `${prefix}${last ? '    ' : '│   '}`;
    for (const line of rest) lines.push(`${childPrefix}${line}`);
    if (node.children) lines.push(...renderTree(node.children, childPrefix));
  });
  return lines;
}

function age(from: string | null, at: string): string {
  if (!from) return 'unknown';
  const ms = Date.parse(at) - Date.parse(from);
  if (Number.isNaN(ms)) return 'unknown';
  if (ms < 0) return 'in the future';
  const hours = Math.floor(ms / 3_600_000);
  return hours < 48 ? `${hours} h ago` : `${Math.floor(hours / 24)} days ago`;
}

const FORMAT_NAMES: Record<string, string> = { 'sigstore-bundle': 'cosign v3 bundle', legacy: 'legacy .sig/.att' };

/** Long digests inside artifact lines, shortened (the digest line and the JSON keep them whole). */
function short(text: string): string {
  return text.replace(/(sha256[-:][0-9a-f]{12})[0-9a-f]{52}/g, '$1…');
}

function mark(artifact: ReportArtifact): string {
  if (artifact.counts) return '✓';
  return artifact.verified ? '•' : '✗';
}

function artifactNode(artifact: ReportArtifact, report: InspectReport): Node {
  const signer = artifact.signer;
  const lines = [`${mark(artifact)} ${FORMAT_NAMES[artifact.format] ?? artifact.format} (${short(artifact.location)})`];
  if (signer) lines.push(`signed by ${signer.subject ?? '(no subject)'}`, `  issuer ${signer.issuer ?? '(none)'}, trigger ${signer.trigger ?? '(none)'}, repository ${signer.repository ?? '(none)'}${signer.repositoryId ? ` (ID ${signer.repositoryId})` : ''}`);
  const times = [artifact.integratedTime ? `Rekor ${artifact.integratedTime}` : undefined, artifact.signedTimestamp ? `timestamp ${artifact.signedTimestamp}` : undefined].filter(Boolean);
  if (times.length > 0) lines.push(times.join(', '));
  if (artifact.verified && !artifact.counts) lines.push(`verified, but the ${report.customer.engine} engine reads only ${FORMAT_NAMES[report.customer.format]}`);
  if (!artifact.verified) lines.push(`NOT VERIFIED: ${artifact.problem ?? 'unknown'}${artifact.mismatches.length > 0 ? ` (${artifact.mismatches.map((m) => `${m.field}: expected ${m.expected}, found ${m.found ?? '(none)'}`).join('; ')})` : ''}`);
  if (artifact.sbom) lines.push(`${artifact.sbom.bomFormat ?? 'unknown format'} ${artifact.sbom.specVersion ?? ''}`.trimEnd() + `, ${artifact.sbom.components} components`);
  const children: Node[] = [];
  if (artifact.scan) {
    const scan = artifact.scan;
    lines.push(
      `${scan.scanner ?? 'unknown scanner'}${scan.scannerVersion ? ` ${scan.scannerVersion}` : ''}, finished ${scan.scanFinishedOn ?? 'unknown'} (${age(scan.scanFinishedOn, report.at)})${scan.stale ? ' STALE' : ''}`,
      Object.entries(scan.counts).map(([severity, count]) => `${severity} ${count}`).join(', '),
    );
    for (const critical of scan.findings) {
      children.push({
        text: `${critical.id} in ${critical.package} ${critical.installedVersion ?? ''}, fixed in ${critical.fixedVersion ?? 'no released version'}; published ${critical.publishedDate ? `${critical.ageDays} days ago` : 'on an unknown date'}: ${
          critical.blocking ? 'blocks' : critical.acceptedUntil ? `accepted until ${critical.acceptedUntil}` : critical.blocksFrom ? `within the grace period, blocks from ${critical.blocksFrom}` : 'does not block (no fixed version; the rule is fixableOnly)'
        }`,
      });
    }
  }
  return { text: lines.join('\n'), children };
}

function group(title: string, artifacts: readonly ReportArtifact[], report: InspectReport): Node {
  return { text: `${title} (${artifacts.length})`, children: artifacts.length > 0 ? artifacts.map((artifact) => artifactNode(artifact, report)) : [{ text: 'none' }] };
}

const VERDICT_WORDS: Record<InspectReport['verdict'], string> = {
  admitted: 'ADMITTED',
  'admitted-with-warnings': 'ADMITTED WITH WARNINGS (soft period: audited and warned, not blocked)',
  refused: 'REFUSED',
  'not-inspected': 'COULD NOT INSPECT (nothing was verified; this is not an admission)',
};

export function renderText(report: InspectReport): string {
  const image = report.image;
  const nodes: Node[] = [];
  nodes.push({
    text: image.digest
      ? `digest ${image.digest}${image.resolvedFromTag ? ` (resolved from tag ${image.resolvedFromTag}; the verdict is about the digest)` : ''}`
      : 'digest unknown',
  });
  nodes.push({
    text: `customer ${report.customer.name} (${report.customer.sourceFile}), engine ${report.customer.engine}: reads ${FORMAT_NAMES[report.customer.format]}`,
    children: [
      { text: `identity ${report.identity.subject}` },
      { text: `issuer ${report.identity.issuer}, trigger ${report.identity.trigger}, repository ${report.identity.repository}${report.identity.repositoryId ? `, repository ID ${report.identity.repositoryId}` : ''}` },
      { text: `trust ${report.trust.trustedRoot}${report.trust.insecureIgnoreTlog ? ', transparency log NOT checked' : ''}${report.trust.insecureIgnoreSct ? ', SCT NOT checked' : ''}` },
    ],
  });
  if (report.verdict !== 'not-inspected') {
    const of = (kind: string) => report.artifacts.filter((artifact) => artifact.kind === kind);
    nodes.push(group('signatures', of('signature'), report));
    nodes.push(group('SBOM attestations', of('sbom'), report));
    nodes.push(group('vulnerability scan attestations', of('vuln'), report));
    if (of('other').length > 0) nodes.push(group('other attestations', of('other'), report));
    nodes.push({
      text: 'accepted risks',
      children:
        report.acceptedRisks.length > 0
          ? report.acceptedRisks.map((risk) => ({
              text:
                risk.kind === 'allowlist'
                  ? `allowlisted ${risk.image}\nowner ${risk.owner}: ${risk.reason}\nreviewed ${risk.lastReviewed}, review due ${risk.until}${risk.lapsed ? ' (OVERDUE)' : ''}`
                  : `accepted ${risk.cve}${risk.image ? ` for ${risk.image}` : ''} until ${risk.until}\nowner ${risk.owner}: ${risk.reason}`,
            }))
          : [{ text: 'none apply' }],
    });
    const enforcement = report.enforcement;
    const mode =
      enforcement.mode === 'enforce'
        ? `enforcing${enforcement.source === 'override' ? ' (enforcement.mode override)' : ` since ${enforcement.flipDate}`}`
        : `soft period until ${enforcement.flipDate}${enforcement.source === 'override' ? ' (enforcement.mode override: audit)' : ''}: refusals are audited and warned, not blocked`;
    nodes.push({
      text: `rules (${mode})`,
      children: report.rules.map((rule) => ({
        text: `${rule.result === 'pass' ? '✓' : rule.result === 'fail' ? '✗' : '–'} rule ${rule.number} ${rule.title}: ${rule.result}\n${short(rule.reason)}${rule.fix ? `\nfix: ${rule.fix}` : ''}`,
      })),
    });
  }
  if (report.errors.length > 0) nodes.push({ text: 'errors', children: report.errors.map((error) => ({ text: error })) });
  let verdict = `verdict: ${VERDICT_WORDS[report.verdict]}`;
  if (report.verdict === 'admitted-with-warnings') verdict += `\nafter the flip on ${report.enforcement.flipDate}: ${report.afterFlip === 'refused' ? 'REFUSED' : 'admitted'}`;
  if (report.verdict === 'admitted' && report.enforcement.mode === 'audit') verdict += `\nafter the flip on ${report.enforcement.flipDate}: admitted`;
  nodes.push({ text: verdict });
  return `${[image.reference, ...renderTree(nodes)].join('\n')}\n`;
}
