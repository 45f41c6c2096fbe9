import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { localStore, type Store } from '../../lib/store/store.ts';

jest.setTimeout(60_000);
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

  it('refuses a vote at the moment the approval expires, and counts one a millisecond before', async () => {
    // Prepare
    await store.createApproval(approval('a-edge', 5_000));
    await store.createApproval(approval('a-before', 5_000));
    // Act
    const atExpiry = await store.vote('a-edge', 'U2', 'approve', 5_000);
    const before = await store.vote('a-before', 'U2', 'approve', 4_999);
    // Assess
    expect(atExpiry).toBe('expired');
    expect(typeof before === 'object' && before.status).toBe('approved');
  });

  it('claims one triage per service per dedupe window', async () => {
    // Act
    const first = await store.claimDedupe('checkout', 'T1', 1_000, 900_000);
    const second = await store.claimDedupe('checkout', 'T2', 2_000, 900_000);
    const later = await store.claimDedupe('checkout', 'T3', 1_000 + 900_000, 900_000);
    // Assess
    expect([first, second, later]).toEqual([{ claimed: true, until: 901_000 }, { claimed: false, triageId: 'T1', until: 901_000 }, { claimed: true, until: 1_801_000 }]);
  });

  it('never loses a decision to the token attach: in 200 races exactly one side sees the other', async () => {
    // Prepare
    const ids = Array.from({ length: 200 }, (_, i) => `a-attach-${i}`);
    await Promise.all(ids.map((id) => store.createApproval(approval(id))));
    // Act
    const races = await Promise.all(ids.map(async (id) => {
      const [voted, attached] = await Promise.all([store.vote(id, 'U2', 'approve', 1_000_000), store.attachToken(id, `token-${id}`)]);
      return { voted, attached, final: await store.getApproval(id) };
    }));
    // Assess
    const lost = races.filter(({ final }) => final?.status !== 'approved' || final.taskToken === undefined || final.decidedBy !== 'U2');
    const resumers = races.map(({ voted, attached }) => Number(typeof voted === 'object' && voted.taskToken !== undefined) + Number(attached.status === 'approved'));
    expect(lost).toEqual([]);
    expect(resumers.filter((n) => n !== 1)).toEqual([]);
  });

  it('counts each approver once and decides when the required number have approved', async () => {
    // Prepare
    await store.createApproval({ ...approval('a-two'), required: 2 });
    // Act
    const first = await store.vote('a-two', 'U2', 'approve', 1_000_000);
    const again = await store.vote('a-two', 'U2', 'approve', 1_000_000);
    const racing = await Promise.all([store.vote('a-two', 'U7', 'approve', 1_000_000), store.vote('a-two', 'U8', 'approve', 1_000_000)]);
    // Assess
    expect([typeof first === 'object' && first.status, again]).toEqual(['pending', 'already-voted']);
    expect(racing.map((r) => (typeof r === 'object' ? r.status : r)).sort()).toEqual(['already-decided', 'approved']);
    const final = await store.getApproval('a-two');
    expect([final!.status, final!.approvedBy!.length, final!.approvedBy![0]]).toEqual(['approved', 2, 'U2']);
  });

  it('keeps open work indexed until it is finished, for the sweeper', async () => {
    // Prepare
    await store.createApproval(approval('a-open'));
    // Act
    const whileOpen = (await store.open('APPROVAL')).includes('a-open');
    await store.transition('a-open', 'pending', 'rejected', 1_000_000);
    const afterwards = (await store.open('APPROVAL')).includes('a-open');
    // Assess
    expect([whileOpen, afterwards]).toEqual([true, false]);
  });

  it('claims a signed request once inside its window, and again after it', async () => {
    // Act
    const claims = await Promise.all(Array.from({ length: 5 }, () => store.claimRequest('sig-1', 1_000_000, 600_000)));
    const later = await store.claimRequest('sig-1', 1_000_000 + 601_000, 600_000);
    // Assess
    expect(claims.filter(Boolean)).toHaveLength(1);
    expect(later).toBe(true);
  });

  it('counts 300 concurrent alarms in a thread without losing one, and lets one renderer hold it at a time', async () => {
    // Act
    await Promise.all(Array.from({ length: 300 }, (_, i) => store.addAlarmNote('t-storm', { at: i, alarm: `a${i}`, state: 'ALARM' }, 'checkout', 'C1')));
    const leases = await Promise.all(Array.from({ length: 5 }, () => store.leaseAlarmThread('t-storm', 1_000, 21_000)));
    const released = await store.releaseAlarmThread('t-storm', 300, '1700000000.000001', 300, 5);
    // Assess
    expect(leases.filter(Boolean)).toHaveLength(1);
    expect([released.count, released.renderedCount, released.latest.length, released.leaseUntil]).toEqual([300, 300, 5, undefined]);
    expect(await store.open('THREAD')).not.toContain('t-storm');
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
