import type { z } from 'zod';
import type { Service, SsmLocationSchema } from '../../evidence/service.ts';

/** Where an entry runs when it is reached through SSM Run Command. */
export type SsmLocation = z.infer<typeof SsmLocationSchema>;

/** The layers whose catalog entries may name `ssm:`. */
export type SsmLayer = 'haproxy' | 'nginx';

/** The graceful reload each layer gets when the catalog names none (the packaged systemd units reload without dropping connections). */
export const DEFAULT_RELOAD: Record<SsmLayer, string> = { haproxy: 'systemctl reload haproxy', nginx: 'systemctl reload nginx' };

/**
 * The name of one instance of an SSM entry in the bundle (`haproxy/<name>.cfg`), in finding
 * ids and in plan targets: the catalog name and the EC2 instance id, `edge1@i-0abc…`, so every
 * machine is its own instance of the layer and a plan goes back to the machine it was made from.
 */
export const ssmInstanceName = (entry: string, instanceId: string): string => `${entry}@${instanceId}`;

/** Splits `edge1@i-0abc…` into the catalog entry name and the instance id (absent for local entries). */
export function splitInstanceName(name: string): { entry: string; instanceId?: string } {
  const at = name.lastIndexOf('@');
  return at < 0 ? { entry: name } : { entry: name.slice(0, at), instanceId: name.slice(at + 1) };
}

/** The catalog entry of a layer by name. */
export function entryOf(service: Service, layer: SsmLayer, name: string) {
  return layer === 'haproxy' ? service.haproxy?.find((h) => h.name === name) : service.nginx?.find((n) => n.name === name);
}

/**
 * The SSM entry and instance a bundle instance name points at, or undefined when the instance is
 * local (no `ssm:` in its catalog entry, or no instance id in its name).
 */
export function ssmTargetOf(service: Service, layer: string, instance: string) {
  if (layer !== 'haproxy' && layer !== 'nginx') return undefined;
  const { entry, instanceId } = splitInstanceName(instance);
  const e = entryOf(service, layer, entry);
  if (!e?.ssm || !instanceId) return undefined;
  return { layer: layer as SsmLayer, entry: e, ssm: e.ssm, instanceId, instance };
}

/** Whether any entry of a layer is reached through SSM. */
export function usesSsm(service: Service, layer: string): boolean {
  return (layer === 'haproxy' && !!service.haproxy?.some((h) => h.ssm)) || (layer === 'nginx' && !!service.nginx?.some((n) => n.ssm));
}
