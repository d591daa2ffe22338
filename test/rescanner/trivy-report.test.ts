/**
 * Reduction of REAL Trivy reports (from Trivy's own test suite, in shared/fixtures/trivy).
 * Expected counts are computed here from the raw JSON, independently of the code under test.
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { describe, it } from 'node:test';
import { assertTrivyReport, buildTimeSeconds, parseTrivyReport, summarizeReport } from '../../src/rescanner/trivy-report';
import { readFixture, trivyFixturesDir } from './support';

interface RawVuln {
  VulnerabilityID: string;
  PkgName: string;
  FixedVersion?: string;
  Severity: string;
}
interface RawReport {
  SchemaVersion?: number;
  Metadata?: { ImageConfig?: { created?: string } };
  Results?: Array<{ Vulnerabilities?: RawVuln[] }>;
}

function rawVulns(report: RawReport): RawVuln[] {
  return (report.Results ?? []).flatMap((r) => r.Vulnerabilities ?? []);
}

const trivyFixtures = readdirSync(trivyFixturesDir())
  .filter((f) => f.endsWith('.json'))
  .filter((f) => typeof (readFixture(f) as RawReport).SchemaVersion === 'number')
  .sort();

describe('rescanner Trivy report reduction (real reports)', () => {
  it('given the fixture folder, when listing it, then there are real Trivy reports to test against', () => {
    assert.ok(trivyFixtures.length >= 4, `found only ${trivyFixtures.join(', ')}`);
  });

  for (const file of trivyFixtures) {
    it(`given ${file}, when summarized, then counts and HIGH/CRITICAL findings match the raw report`, () => {
      const raw = readFixture(file) as RawReport;
      const vulns = rawVulns(raw);
      const expected: Record<string, number> = { CRITICAL: 0, HIGH: 0, MEDIUM: 0, LOW: 0, UNKNOWN: 0 };
      for (const v of vulns) expected[v.Severity] = (expected[v.Severity] ?? 0) + 1;
      const expectedFindings = new Set(
        vulns.filter((v) => v.Severity === 'HIGH' || v.Severity === 'CRITICAL').map((v) => `${v.VulnerabilityID}|${v.PkgName}|${v.FixedVersion ?? ''}|${v.Severity}`),
      );

      const summary = summarizeReport(assertTrivyReport(raw));

      assert.deepEqual({ ...summary.counts }, expected);
      assert.deepEqual(new Set(summary.findings.map((f) => `${f.id}|${f.package}|${f.fixed}|${f.severity}`)), expectedFindings);
    });
  }

  it('given the known fixtures, when summarized, then the hand-checked totals hold', () => {
    // Guards against a fixture folder that changed under the generic test above.
    assert.equal(summarizeReport(assertTrivyReport(readFixture('alpine-39-high-critical.json'))).counts.CRITICAL, 2);
    assert.equal(summarizeReport(assertTrivyReport(readFixture('alpine-310.json'))).counts.MEDIUM, 4);
    const buster = summarizeReport(assertTrivyReport(readFixture('debian-buster.json')));
    assert.deepEqual([buster.counts.CRITICAL, buster.counts.LOW], [1, 1]);
  });

  it('given a reproducible build with created 1970-01-01, when reading the build time, then it is unknown', () => {
    const distroless = readFixture('distroless-base.json') as RawReport;
    assert.equal(distroless.Metadata?.ImageConfig?.created, '1970-01-01T00:00:00Z');
    assert.equal(buildTimeSeconds(assertTrivyReport(distroless)), undefined);
    assert.equal(summarizeReport(assertTrivyReport(distroless)).buildTimeSeconds, undefined);
    // Jib's placeholder is one second after the epoch: also unknown.
    assert.equal(buildTimeSeconds({ SchemaVersion: 2, Metadata: { ImageConfig: { created: '1970-01-01T00:00:01Z' } } }), undefined);
  });

  it('given a real build time, when reading it, then it is the created instant in seconds', () => {
    const raw = readFixture('alpine-310.json') as RawReport;
    const created = raw.Metadata?.ImageConfig?.created ?? '';
    assert.equal(buildTimeSeconds(assertTrivyReport(raw)), Math.floor(Date.parse(created) / 1000));
  });

  it('given a CycloneDX document or garbage, when parsed as a Trivy report, then it is rejected (never zero vulnerabilities)', () => {
    assert.throws(() => assertTrivyReport(readFixture('npm-cyclonedx.json')), /not a Trivy JSON report/);
    assert.throws(() => parseTrivyReport('{"SchemaVersion": 2, "Res'), /not JSON/);
    assert.throws(() => parseTrivyReport('[]'), /not a JSON object/);
  });

  it('given severities in odd case or unknown words, when counted, then they fold to upper case or UNKNOWN', () => {
    const s = summarizeReport({
      SchemaVersion: 2,
      Results: [{ Vulnerabilities: [{ Severity: 'high', VulnerabilityID: 'CVE-1', PkgName: 'p' }, { Severity: 'weird' }, {}] }, { Vulnerabilities: null }],
    });
    assert.deepEqual({ ...s.counts }, { CRITICAL: 0, HIGH: 1, MEDIUM: 0, LOW: 0, UNKNOWN: 2 });
    assert.deepEqual(s.findings, [{ id: 'CVE-1', severity: 'HIGH', package: 'p', fixed: '' }]);
  });
});
