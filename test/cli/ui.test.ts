import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { commandAsTyped, displayPath } from '../../src/cli/ui';

describe('CLI output as the user would type it', () => {
  it('given scb run through npx, when a next step is printed, then it reads npx scb …', () => {
    assert.equal(commandAsTyped(['synth', 'stacks/Pulumi.shop.yaml'], { npm_command: 'exec' }), 'npx scb synth stacks/Pulumi.shop.yaml');
  });

  it('given scb run through npm run, when the next step is the whole fleet, then it reads npm run synth; with files, npx scb', () => {
    assert.equal(commandAsTyped(['synth'], { npm_command: 'run-script' }), 'npm run synth');
    assert.equal(commandAsTyped(['synth', 'stacks/Pulumi.shop.yaml'], { npm_command: 'run-script' }), 'npx scb synth stacks/Pulumi.shop.yaml');
  });

  it('given scb run directly, when a next step is printed, then it reads scb …', () => {
    assert.equal(commandAsTyped(['synth'], {}), 'scb synth');
  });

  it('given a path inside the working folder, when printed, then it is relative; outside, as given', () => {
    assert.equal(displayPath('/work/repo/dist', '/work/repo'), 'dist');
    assert.equal(displayPath('/tmp/out', '/work/repo'), '/tmp/out');
  });
});
