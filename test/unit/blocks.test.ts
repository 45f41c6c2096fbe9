import { describe, expect, it } from '@jest/globals';
import { renderBlocks } from '../../lib/slack/blocks.ts';
import { join } from 'node:path';
import { readBundle } from '../../lib/evidence/read-bundle.ts';
import { FIXTURES, analyzeFiles, analyzeFixture, serviceYaml } from '../support/bundles.ts';

/** A HAProxy config with `n` backends, each routed by path and each with a short cookie lifetime. */
function manyBackends(n: number): string {
  const lines = ['defaults', '  mode http', 'frontend web', '  bind :80'];
  for (let i = 0; i < n; i++) lines.push(`  use_backend b${i} if { path_beg /p${i}/ }`);
  for (let i = 0; i < n; i++) {
    lines.push(`backend b${i}`, '  cookie S insert maxidle 1m', `  server a 10.0.${i}.1:80 cookie a check inter 5s fall 3`, `  server b 10.0.${i}.2:80 cookie b check inter 5s fall 3`);
  }
  return lines.join('\n');
}

describe('renderBlocks', () => {
  it('collapses a large report to 50 blocks with a Show evidence button', () => {
    // Prepare
    const paths = Array.from({ length: 60 }, (_, i) => `"/p${i}/"`).join(', ');
    const report = analyzeFiles({ 'service.yaml': serviceYaml().replace('paths: ["/", "/cart"]', `paths: [${paths}]`), 'haproxy/edge.cfg': manyBackends(60) });
    // Act
    const message = renderBlocks(report);
    // Assess
    expect(report.findings).toHaveLength(60);
    expect(message.blocks).toHaveLength(50);
    const overflow = message.blocks.find((b) => b.block_id === 'overflow');
    expect(overflow).toMatchObject({ type: 'section', accessory: { type: 'button', action_id: 'show_evidence', value: 'checkout' } });
    expect(message.text).toBe('Sticky checkout: 60 critical (affinity-ttl-short)');
    for (const b of message.blocks) if (b.type === 'section' && b.text) expect(b.text.text.length).toBeLessThanOrEqual(3000);
  });

  it('posts a confirm dialog that states the exact change on every Approve button', () => {
    // Prepare
    const report = analyzeFiles({ 'service.yaml': serviceYaml(), 'haproxy/edge.cfg': manyBackends(1).replace("/p0/", "/") });
    // Act
    const actions = renderBlocks(report).blocks.filter((b) => b.type === 'actions');
    // Assess
    expect(actions).toEqual([
      {
        type: 'actions',
        block_id: 'actions:haproxy.edge.b0.raise-cookie-lifetime',
        elements: [
          {
            type: 'button', action_id: 'approve:haproxy.raise-cookie-lifetime', text: { type: 'plain_text', text: 'Approve' }, style: 'primary',
            value: 'haproxy.edge.b0.raise-cookie-lifetime',
            confirm: {
              title: { type: 'plain_text', text: 'Apply this change?' },
              text: { type: 'mrkdwn', text: 'Raise cookie S lifetime on edge/b0 to 2h\n```haproxy/edge.cfg:7: cookie S insert maxidle 2h```\nRollback: restore the backup of edge\'s config and reload the same way' },
              confirm: { type: 'plain_text', text: 'Apply' },
              deny: { type: 'plain_text', text: 'Cancel' },
            },
          },
          { type: 'button', action_id: 'reject:haproxy.raise-cookie-lifetime', text: { type: 'plain_text', text: 'Reject' }, value: 'haproxy.edge.b0.raise-cookie-lifetime' },
        ],
      },
    ]);
  });

  it('says so when every layer was checked and nothing is wrong', async () => {
    // Prepare
    const report = await analyzeFixture('haproxy-healthy');
    // Act
    const message = renderBlocks(report);
    // Assess
    expect(message.text).toBe('Sticky checkout: no sticky-session problem found');
    expect(message.blocks[0]).toEqual({ type: 'header', text: { type: 'plain_text', text: ':white_check_mark: checkout: no sticky-session problem found', emoji: true } });
  });

  it('never shows a check mark when a named layer could not be checked', () => {
    // Prepare
    const report = analyzeFiles({
      'service.yaml': serviceYaml('probe: { url: "https://shop.example.com/" }'),
      'meta.json': JSON.stringify({ collectedAt: '2026-11-25T10:00:00Z', notChecked: { probe: 'https://shop.example.com/: ECONNREFUSED' } }),
    });
    // Act
    const message = renderBlocks(report);
    // Assess
    expect(message.text).toBe('Sticky checkout: nothing could be checked (not checked: probe)');
    expect(message.blocks.slice(0, 2)).toEqual([
      { type: 'header', text: { type: 'plain_text', text: ':warning: checkout: nothing could be checked (not checked: probe)', emoji: true } },
      { type: 'context', elements: [{ type: 'mrkdwn', text: 'checked: nothing · :warning: not checked: probe (https://shop.example.com/: ECONNREFUSED)' }] },
    ]);
  });

  it('names the missing layer next to a partial check', async () => {
    // Prepare
    const healthy = await readBundle(join(FIXTURES, 'haproxy-healthy'));
    const report = analyzeFiles({
      ...Object.fromEntries(healthy.files),
      'service.yaml': `${healthy.files.get('service.yaml')!.trimEnd()}\nprobe: { url: "https://shop.example.com/" }\n`,
      'meta.json': JSON.stringify({ notChecked: { probe: 'collecting probe timed out after 2000 ms' } }),
    });
    // Act
    const message = renderBlocks(report);
    // Assess
    expect(report.verdict).toBe('not-checked');
    expect(message.text).toBe('Sticky checkout: no problem found, but not checked: probe');
    expect(message.blocks[0]).toEqual({ type: 'header', text: { type: 'plain_text', text: ':warning: checkout: no problem found, but not checked: probe', emoji: true } });
  });
});
