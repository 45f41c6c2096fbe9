import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { Agent, request } from 'undici';
import { reload } from '../../lib/remediations/apply/config-files.ts';
import type { Plan } from '../../lib/remediations/types.ts';
import { startLab, type Lab } from '../../infra/lab/lab.ts';

jest.setTimeout(60_000);
let lab: Lab | undefined;
afterEach(async () => {
  await lab?.stop();
  lab = undefined;
});

const TOTAL = 2000;
const CONCURRENCY = 16;
const RETRIES = 3;

/**
 * Sends TOTAL requests, CONCURRENCY at a time, retrying a request whose connection a reload
 * reset (the old process closing idle keep-alive connections); returns how many got a 200.
 */
async function load(url: string, during: () => Promise<void>): Promise<{ ok: number; retried: number; lost: string[] }> {
  const agent = new Agent({ keepAliveTimeout: 2000 });
  let next = 0;
  let ok = 0;
  let retried = 0;
  const lost: string[] = [];
  const worker = async () => {
    while (next < TOTAL) {
      next++;
      for (let attempt = 0; ; attempt++) {
        try {
          const res = await request(url, { dispatcher: agent });
          await res.body.dump();
          if (res.statusCode === 200) ok++;
          else lost.push(`status ${res.statusCode}`);
          break;
        } catch (e) {
          const code = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
          if (attempt < RETRIES && /ECONNRESET|UND_ERR_SOCKET|EPIPE|UND_ERR_CLOSED/.test(code)) {
            retried++;
            continue;
          }
          lost.push(code);
          break;
        }
      }
    }
  };
  const work = Promise.all(Array.from({ length: CONCURRENCY }, worker));
  await during();
  await work;
  await agent.close();
  return { ok, retried, lost };
}

const planFor = (layer: 'haproxy' | 'nginx', instance: string) => ({ layer, target: { instance } }) as unknown as Plan;

describe('graceful reloads under load', () => {
  it.each([
    ['haproxy-healthy', 'haproxy', 'edge1'],
    ['nginx-healthy', 'nginx', 'edge'],
  ] as const)(`%s: three reloads during ${TOTAL} requests lose none`, async (scenario, layer, instance) => {
    // Prepare
    lab = await startLab(scenario);
    const l = lab;
    // Act
    const result = await load(l.service.probe!.url, async () => {
      for (let i = 0; i < 3; i++) {
        await new Promise((r) => setTimeout(r, 60));
        await reload(planFor(layer, instance), l.service);
      }
    });
    // Assess
    expect(result.lost).toEqual([]);
    expect(result.ok).toBe(TOTAL);
    expect(readFileSync(layer === 'haproxy' ? l.service.haproxy![0]!.pidFile! : `${l.run}/${instance}.pid`, 'utf8').trim()).toMatch(/^\d+$/);
  });
});
