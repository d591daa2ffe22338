import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { driftAgentCommand } from '../../src/drift-agent/cli';
import type { RunningContainer } from '../../src/drift-agent/node-containers';
import { closedLoopbackPort } from '../support/closed-port';
import { makeTempDir } from '../support/synth-helper';
import { scrape, startPushgateway } from '../rescanner/support';

describe('scb drift-agent against a real Pushgateway', () => {
  it('given a container whose registry cannot be reached, when a pass runs, then the node group says unverifiable (registry), never no drift', async () => {
    const gateway = await startPushgateway();
    const dir = makeTempDir('scb-drift-push-');
    try {
      const registry = `127.0.0.1:${await closedLoopbackPort()}`;
      const file = join(dir, 'drift-agent.json');
      writeFileSync(
        file,
        JSON.stringify({
          customer: 'acme',
          cluster: 'prod-eu-1',
          pushgateway: gateway.url,
          productionNamespaces: '^(?:prod)$',
          signingIdentity: { issuer: 'https://token.actions.githubusercontent.com', subject: 'https://github.com/acme/services/.github/workflows/release.yml@refs/heads/main', trigger: 'push', repository: 'acme/services' },
          signatureFormat: 'sigstore-bundle',
          ignorePaths: ['/tmp'],
        }),
      );
      const container: RunningContainer = { namespace: 'prod', pod: 'web-0', workload: 'StatefulSet/web', container: 'web', image: `${registry}/acme/services`, digest: `sha256:${'5'.repeat(64)}`, containerId: 'e'.repeat(64), mountPaths: [] };
      const events: string[] = [];
      const code = await driftAgentCommand(['--config', file, '--node', 'node-7', '--once'], {
        containers: { list: async () => [container] },
        logger: (_level, event) => void events.push(event),
      });
      assert.equal(code, 0);
      assert.deepEqual(events, ['drift_unverifiable', 'pass_finished']);
      const series = await scrape(gateway);
      const unverifiable = series.filter((s) => s.name === 'scb_drift_unverifiable');
      assert.equal(unverifiable.length, 1);
      assert.deepEqual(
        { ...unverifiable[0]?.labels },
        { job: 'supply_chain_drift_agent', cluster: 'prod-eu-1', customer: 'acme', node: 'node-7', namespace: 'prod', workload: 'StatefulSet/web', pod: 'web-0', container: 'web', image: `${registry}/acme/services`, digest: container.digest, reason: 'registry', instance: '' },
      );
      assert.equal(series.filter((s) => s.name === 'scb_drift_packages').length, 0, 'no drift counts for a container that was not compared');
      assert.equal(series.find((s) => s.name === 'scb_drift_agent_last_pass_timestamp_seconds')?.labels.node, 'node-7');
    } finally {
      await gateway.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
