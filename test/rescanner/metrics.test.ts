import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { escapeLabelValue, renderExposition } from '../../src/rescanner/metrics';
import { groupUrl } from '../../src/rescanner/pushgateway';
import { parseExposition } from './support';

describe('rescanner exposition format (prom-client)', () => {
  it('given label values with backslash, quote and newline, when rendered, then they are escaped and parse back', async () => {
    const value = 'a\\b"c\nd';
    assert.equal(escapeLabelValue(value), 'a\\\\b\\"c\\nd');
    const text = await renderExposition([{ name: 'scb_x', help: 'h', type: 'gauge', samples: [{ labels: { v: value }, value: 1 }] }]);
    assert.equal(text, '# HELP scb_x h\n# TYPE scb_x gauge\nscb_x{v="a\\\\b\\"c\\nd"} 1\n');
    assert.equal(parseExposition(text)[0]?.labels.v, value);
  });

  it('given samples in any order, when rendered, then label names and series are sorted so output is deterministic', async () => {
    const fam = (order: number[]) =>
      renderExposition([
        { name: 'scb_y', help: 'y', type: 'gauge', samples: order.map((i) => ({ labels: { z: String(i), a: 'same' }, value: i })) },
      ]);
    assert.equal(await fam([3, 1, 2]), await fam([2, 3, 1]));
    assert.match(await fam([2, 1]), /scb_y\{a="same",z="1"\} 1\nscb_y\{a="same",z="2"\} 2\n$/);
  });

  it('given an empty family, when rendered, then it is left out; given a duplicate series, then rendering refuses', async () => {
    assert.equal(await renderExposition([{ name: 'scb_e', help: 'e', type: 'gauge', samples: [] }]), '');
    await assert.rejects(
      () => renderExposition([{ name: 'scb_d', help: 'd', type: 'gauge', samples: [{ labels: { a: '1' }, value: 1 }, { labels: { a: '1' }, value: 2 }] }]),
      /duplicate series/,
    );
  });

  it('given grouping values, when building the push URL, then they are path segments, and a value with "/" is refused', () => {
    assert.equal(groupUrl('http://pgw:9091/', { cluster: 'prod-eu', customer: 'acme' }), 'http://pgw:9091/metrics/job/supply_chain_rescanner/cluster/prod-eu/customer/acme');
    assert.throws(() => groupUrl('http://pgw:9091', { cluster: 'a/b', customer: 'acme' }), /cannot be a Pushgateway path segment/);
  });
});
