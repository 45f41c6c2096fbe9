import { describe, expect, it } from '@jest/globals';
import { analyze } from '../../lib/checks/analyze.ts';
import { main } from '../../lib/cli/main.ts';
import { parseBundle } from '../../lib/evidence/bundle.ts';
import { probeCounts } from '../../lib/report/probe-counts.ts';
import { CONFIRM_TEXT_LIMIT, codeBlock, confirmText, renderBlocks } from '../../lib/slack/blocks.ts';
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
              text: { type: 'plain_text', text: 'Raise cookie S lifetime on edge/b0 to 2h\n-cookie S insert maxidle 1m\n+cookie S insert maxidle 2h\nRollback: restore the backup of edge\'s config and reload the same way' },
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

describe('renderBlocks: what fits in Slack', () => {
  it('keeps a confirm dialog to plain text of whole lines within 300 characters, counting the lines left out', () => {
    // Prepare
    const lines = Array.from({ length: 12 }, (_, i) => `+    server app${i} 10.0.0.${i}:8080 cookie app${i} check inter 5s fall 3`);
    // Act
    const text = confirmText('Stick edge/app with cookie SERVERID (lifetime 2h)', lines, 'Rollback: restore the backup of edge\'s config and reload the same way');
    // Assess
    expect(text.length).toBeLessThanOrEqual(CONFIRM_TEXT_LIMIT);
    const shown = text.split('\n');
    expect(shown[0]).toBe('Stick edge/app with cookie SERVERID (lifetime 2h)');
    expect(shown.slice(1, -2)).toEqual(lines.slice(0, shown.length - 3));
    expect(shown.at(-2)).toBe(`… ${lines.length - (shown.length - 3)} more lines in the message`);
    expect(shown.at(-1)).toBe('Rollback: restore the backup of edge\'s config and reload the same way');
    expect(text).not.toContain('```');
  });

  it('closes every code block, replacing the lines that do not fit by a count', () => {
    // Prepare
    const lines = Array.from({ length: 200 }, (_, i) => `+line ${i} ${'x'.repeat(20)}`);
    // Act
    const block = codeBlock(lines, 1000);
    // Assess
    expect(block.length).toBeLessThanOrEqual(1000);
    expect(block.startsWith('```+line 0 ')).toBe(true);
    expect(block.endsWith(' more lines```')).toBe(true);
    const body = block.slice(3, -3).split('\n');
    expect(body.at(-1)).toBe(`… ${200 - (body.length - 1)} more lines`);
    expect(codeBlock(['a', 'b'], 1000)).toBe('```a\nb```');
  });

  it('says how many fixes do not fit in the 50 blocks, and sorts resources naturally', () => {
    // Prepare
    const paths = Array.from({ length: 60 }, (_, i) => `"/p${i}/"`).join(', ');
    const report = analyzeFiles({ 'service.yaml': serviceYaml().replace('paths: ["/", "/cart"]', `paths: [${paths}]`), 'haproxy/edge.cfg': manyBackends(60) });
    // Act
    const message = renderBlocks(report);
    // Assess
    const plans = message.blocks.filter((b) => b.block_id?.startsWith('plan:'));
    const more = message.blocks.find((b) => b.block_id === 'more-fixes');
    expect(more).toEqual({ type: 'context', block_id: 'more-fixes', elements: [{ type: 'mrkdwn', text: `_${60 - plans.length} more fixes not shown (a Slack message holds 50 blocks): \`sticky check checkout\` lists every fix._` }] });
    expect(message.blocks.find((b) => b.block_id === 'overflow')).toMatchObject({ text: { text: `_${60 - message.blocks.filter((b) => b.block_id?.startsWith('finding:')).length} more findings not shown._` } });
    expect(report.findings.slice(0, 12).map((f) => f.resource)).toEqual(Array.from({ length: 12 }, (_, i) => `edge/backend b${i}`));
    expect(plans.slice(0, 3).map((b) => b.block_id)).toEqual(['plan:haproxy.edge.b0.raise-cookie-lifetime', 'plan:haproxy.edge.b1.raise-cookie-lifetime', 'plan:haproxy.edge.b2.raise-cookie-lifetime']);
  });

  it('shows a config fix as the unified diff of the collected file', async () => {
    // Prepare
    const bundle = await readBundle(join(FIXTURES, 'haproxy-cookie-ttl'));
    const report = analyze(parseBundle(bundle));
    // Act
    const message = renderBlocks(report, {}, { files: bundle.files });
    // Assess
    const plan = message.blocks.find((b) => b.block_id === 'plan:haproxy.edge1.app.raise-cookie-lifetime') as { text: { text: string } };
    expect(plan.text.text).toBe([
      ':wrench: *Raise cookie SERVERID lifetime on edge1/app to 2h* (risk low)',
      '```--- haproxy/edge1.cfg',
      '+++ haproxy/edge1.cfg',
      '@@ -21,5 +21,5 @@',
      '     option httpchk GET /health',
      '     # idle timeout on the persistence cookie',
      '-    cookie SERVERID insert indirect nocache maxidle 10m',
      '+    cookie SERVERID insert indirect nocache maxidle 2h',
      '     server app1 10.0.1.11:8080 cookie a1 check inter 5s fall 3 rise 2',
      '     server app2 10.0.1.12:8080 cookie a2 check inter 5s fall 3 rise 2```',
    ].join('\n'));
  });

  it('prints with --format blocks exactly the message the bot posts for the same evidence, the chart of requests per backend included', async () => {
    // Prepare
    const dir = join(FIXTURES, 'probe-spread-haproxy');
    const bundle = await readBundle(dir);
    const io = { out: '', stdout: { write: (s: string) => (io.out += s) }, stderr: { write: () => true }, env: {} };
    // Act
    await main(['analyze', dir, '--format', 'blocks'], io);
    // Assess
    const posted = renderBlocks(analyze(parseBundle(bundle)), {}, { backends: probeCounts(bundle), files: bundle.files });
    expect(JSON.parse(io.out)).toEqual(JSON.parse(JSON.stringify(posted)));
    expect(posted.blocks.find((b) => b.block_id === 'backends')).toEqual({
      type: 'section', block_id: 'backends',
      text: { type: 'mrkdwn', text: '*Requests per backend (live probe)*\n```requests without a cookie jar\napp1 ██████████ 1\napp2 ██████████ 1\nrequests with a cookie jar (must stay on one)\napp1 ████████████████████ 2\napp2 ████████████████████ 2```' },
    });
  });
});
