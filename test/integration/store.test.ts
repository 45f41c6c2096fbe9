import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { localStore, type Store } from '../../lib/store/store.ts';

let store: Store;
let stop: () => Promise<void>;
beforeAll(async () => {
  ({ store, stop } = await localStore());
});
afterAll(async () => stop());

const approval = (id: string, expiresAt = 2_000_000) => ({ id, triageId: 't1', planId: 'haproxy.edge1.app.raise-cookie-lifetime', risk: 'low' as const, status: 'pending' as const, expiresAt });

describe('store on dynalite', () => {
  it('decides an approval once, however many clicks race', async () => {
    // Prepare
    await store.createApproval(approval('a-race'));
    // Act
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => store.transition('a-race', 'pending', 'approved', 1_000_000, { decidedBy: `U${i}` })));
    // Assess
    expect(results.filter((r) => typeof r === 'object')).toHaveLength(1);
    expect(results.filter((r) => r === 'already-decided')).toHaveLength(9);
  });

  it('refuses a decision after expiry, checked in code', async () => {
    // Prepare
    await store.createApproval(approval('a-old', 1_000));
    // Act / Assess
    expect(await store.transition('a-old', 'pending', 'approved', 1_000)).toBe('expired');
    expect(await store.transition('a-none', 'pending', 'approved', 1)).toBe('unknown');
  });

  it('claims one triage per service per dedupe window', async () => {
    // Act
    const first = await store.claimDedupe('checkout', 'T1', 1_000, 900_000);
    const second = await store.claimDedupe('checkout', 'T2', 2_000, 900_000);
    const later = await store.claimDedupe('checkout', 'T3', 1_000 + 900_000, 900_000);
    // Assess
    expect([first, second, later]).toEqual([{ claimed: true }, { claimed: false, triageId: 'T1' }, { claimed: true }]);
  });

  it('round-trips evidence files compressed, and keeps an audit trail in order', async () => {
    // Act
    const random = Array.from({ length: 120_000 }, (_, i) => ((i * 2654435761) >>> 0).toString(36)).join(' ');
    await store.putEvidence('t2', new Map([['service.yaml', 'name: x\n'], ['haproxy/e.cfg', 'x'.repeat(100_000)], ['nginx/big.conf', random]]));
    await store.audit('t2', { event: 'approved', by: 'U1' }, 5);
    await store.audit('t2', { event: 'applied' }, 6);
    // Assess
    const files = await store.getEvidence('t2');
    expect([...files.keys()].sort()).toEqual(['haproxy/e.cfg', 'nginx/big.conf', 'service.yaml']);
    expect(files.get('haproxy/e.cfg')).toHaveLength(100_000);
    expect(files.get('nginx/big.conf')).toBe(random);
    expect((await store.auditTrail('t2')).map((a) => a.event)).toEqual(['approved', 'applied']);
  });
});
