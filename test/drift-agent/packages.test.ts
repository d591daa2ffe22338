import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { diffPackages } from '../../src/drift-agent/diff';
import { isIgnoredPath, packagesOf, splitPurl } from '../../src/drift-agent/packages';

const component = (purl: string | undefined, path?: string) => ({
  type: 'library',
  ...(purl ? { purl } : {}),
  ...(path ? { properties: [{ name: 'syft:location:0:path', value: path }] } : {}),
});
const bom = (...components: unknown[]) => ({ bomFormat: 'CycloneDX', specVersion: '1.6', components });

describe('package identity', () => {
  it('drops the version, the descriptive qualifiers and the subpath, and keeps arch', () => {
    assert.deepEqual(splitPurl('pkg:deb/debian/curl@7.88.1-10?arch=amd64&distro=debian-12'), { identity: 'pkg:deb/debian/curl?arch=amd64', version: '7.88.1-10' });
    assert.deepEqual(splitPurl('pkg:deb/debian/base-files@12.4%2Bdeb12u5?distro=debian-12&arch=amd64'), { identity: 'pkg:deb/debian/base-files?arch=amd64', version: '12.4+deb12u5' });
    assert.deepEqual(splitPurl('pkg:npm/%40babel/core@7.24.0#lib'), { identity: 'pkg:npm/%40babel/core', version: '7.24.0' });
    assert.deepEqual(splitPurl('pkg:pypi/requests'), { identity: 'pkg:pypi/requests', version: '' });
    assert.equal(splitPurl('cpe:2.3:a:curl:curl'), undefined);
  });

  it('ignores a path and everything under it, not a sibling with the same prefix', () => {
    assert.equal(isIgnoredPath('/tmp/node_modules/x/package.json', ['/tmp']), true);
    assert.equal(isIgnoredPath('/tmp', ['/tmp/']), true);
    assert.equal(isIgnoredPath('/tmpfoo/package.json', ['/tmp']), false);
    assert.equal(isIgnoredPath('/app/x', []), false);
  });
});

describe('packagesOf', () => {
  it('given nested components, a component without purl and one under an ignored path, when read, then only comparable packages remain', () => {
    const set = packagesOf(
      bom(
        { ...component('pkg:npm/app@1.0.0', '/app/package.json'), components: [component('pkg:npm/left-pad@1.3.0', '/app/node_modules/left-pad/package.json')] },
        component(undefined),
        component('pkg:npm/evil@6.6.6', '/tmp/node_modules/evil/package.json'),
        component('pkg:npm/left-pad@1.1.0', '/app/node_modules/x/node_modules/left-pad/package.json'),
      ),
      ['/tmp'],
    );
    assert.deepEqual([...set.packages], [
      ['pkg:npm/app', ['1.0.0']],
      ['pkg:npm/left-pad', ['1.1.0', '1.3.0']],
    ]);
    assert.equal(set.withoutPurl, 1);
    assert.equal(set.ignored, 1);
  });

  it('refuses a document that is not CycloneDX', () => {
    assert.throws(() => packagesOf({ spdxVersion: 'SPDX-2.3' }), /not a CycloneDX document/);
  });
});

describe('diffPackages', () => {
  it('given an SBOM and a running inventory, when diffed, then added, removed and changed are told apart by identity', () => {
    const attested = packagesOf(bom(component('pkg:deb/debian/curl@7.88.1-10?arch=amd64'), component('pkg:deb/debian/base-files@12.4?arch=amd64'), component('pkg:deb/debian/gone@1?arch=amd64')));
    const running = packagesOf(bom(component('pkg:deb/debian/curl@7.88.1-10+deb12u5?arch=amd64'), component('pkg:deb/debian/base-files@12.4?arch=amd64&distro=debian-12'), component('pkg:deb/debian/wget@1.21?arch=amd64')));
    const drift = diffPackages(attested, running);
    assert.deepEqual(drift.counts, { added: 1, removed: 1, changed: 1 });
    assert.deepEqual(drift.changes, [
      { kind: 'changed', package: 'pkg:deb/debian/curl?arch=amd64', attested: ['7.88.1-10'], running: ['7.88.1-10+deb12u5'] },
      { kind: 'removed', package: 'pkg:deb/debian/gone?arch=amd64', attested: ['1'], running: [] },
      { kind: 'added', package: 'pkg:deb/debian/wget?arch=amd64', attested: [], running: ['1.21'] },
    ].sort((a, b) => (a.package < b.package ? -1 : 1)));
  });

  it('given the same packages, when diffed, then there is no drift', () => {
    const same = packagesOf(bom(component('pkg:apk/alpine/musl@1.2.5-r0?arch=x86_64')));
    assert.deepEqual(diffPackages(same, same), { changes: [], counts: { added: 0, removed: 0, changed: 0 } });
  });
});
