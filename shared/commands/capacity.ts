/**
 * `flopnet capacity --netuid N`: how much compute the subnet really has, read by anyone from the
 * chain (no wallet): every validator's published capacity commitment, those of validators with a
 * permit, and per class the stake-weighted median of their figures (shared/capacity/consensus.ts).
 */
import { defineCommand } from '../cli/command.js';
import { netuidOption, subtensorOptions } from '../config/common.js';
import { UsageError } from '../errors.js';
import { formatTao } from '../chain/units.js';
import { shortAddress, table, withClient } from '../chain/cli.js';
import type { Commitment } from '../chain/actions/getCommitments.js';
import type { Metagraph } from '../chain/types.js';
import { PRECISIONS } from '../challenge/types.js';
import { decodeCapacityCommitment, type ClassTflops } from '../capacity/commitment.js';
import { subnetCapacity, type SubnetCapacity, type ValidatorCapacity } from '../capacity/consensus.js';

export interface SkippedCommitment {
  hotkey: string;
  uid: number | null;
  block: number;
  reason: string;
}

export interface CapacityResult {
  netuid: number;
  /** Block the metagraph (permits, stake) was read at. */
  block: number;
  capacity: SubnetCapacity;
  validators: Array<Omit<ValidatorCapacity, 'commitment'> & { round: number; verifiedMiners: number; tflops: ClassTflops; minerFigures: number }>;
  skipped: SkippedCommitment[];
}

/** Sorts the commitments into those counted (a permit and a valid capacity commitment) and those skipped, with why. */
export function countedCommitments(metagraph: Metagraph, commitments: readonly Commitment[]): { counted: ValidatorCapacity[]; skipped: SkippedCommitment[] } {
  const byHotkey = new Map(metagraph.neurons.map((n) => [n.hotkey, n]));
  const counted: ValidatorCapacity[] = [];
  const skipped: SkippedCommitment[] = [];
  for (const c of commitments) {
    const neuron = byHotkey.get(c.hotkey);
    const skip = (reason: string): void => void skipped.push({ hotkey: c.hotkey, uid: neuron?.uid ?? null, block: c.block, reason });
    if (!neuron) skip('not registered on the subnet');
    else if (!neuron.validatorPermit) skip('no validator permit');
    else {
      const decoded = decodeCapacityCommitment(c.fields);
      if (decoded.ok) counted.push({ uid: neuron.uid, hotkey: c.hotkey, stake: neuron.stake, block: c.block, commitment: decoded.commitment });
      else skip(decoded.reason);
    }
  }
  counted.sort((a, b) => a.uid - b.uid);
  return { counted, skipped: skipped.sort((a, b) => (a.uid ?? 1e9) - (b.uid ?? 1e9)) };
}

const fmt = (x: number | undefined): string => (x === undefined ? '-' : x === 0 ? '0' : x >= 0.01 ? x.toFixed(3) : x.toExponential(2));

export function renderCapacityResult(r: CapacityResult): string {
  const { capacity } = r;
  const classes = PRECISIONS.filter((p) => capacity.tflops[p] !== undefined);
  const lines = [
    `Verified capacity of subnet ${r.netuid} at block ${r.block}: stake-weighted median over ${capacity.validators} validator${capacity.validators === 1 ? '' : 's'} with a permit (${formatTao(capacity.stake, 3)} α of stake)`,
    '',
    classes.length
      ? table(['CLASS', 'TFLOPS'], classes.map((p) => [p, fmt(capacity.tflops[p])]), new Set([1]))
      : 'no capacity published yet (validators publish it with `flopnet validator start --publish-capacity`)',
  ];
  if (r.validators.length) {
    lines.push(
      '',
      'Validators',
      table(
        ['UID', 'HOTKEY', 'STAKE(α)', 'BLOCK', 'ROUND', 'MINERS', ...classes.map((p) => `${p} TFLOPS`)],
        r.validators.map((v) => [String(v.uid), shortAddress(v.hotkey), formatTao(v.stake, 3), String(v.block), String(v.round), String(v.verifiedMiners), ...classes.map((p) => fmt(v.tflops[p]))]),
        new Set([0, 2, 3, 4, 5, ...classes.map((_, i) => 6 + i)]),
      ),
    );
  }
  if (capacity.miners.length) {
    const minerClasses = PRECISIONS.filter((p) => capacity.miners.some((m) => m.tflops[p] !== undefined));
    lines.push(
      '',
      `Miners (median over the ${capacity.minerFigures.validators} validator${capacity.minerFigures.validators === 1 ? '' : 's'} that committed per-miner figures, ${formatTao(capacity.minerFigures.stake, 3)} α of stake)`,
      table(['UID', ...minerClasses.map((p) => `${p} TFLOPS`)], capacity.miners.map((m) => [String(m.uid), ...minerClasses.map((p) => fmt(m.tflops[p]))]), new Set(minerClasses.map((_, i) => 1 + i).concat(0))),
    );
  }
  if (r.skipped.length) {
    lines.push('', 'Skipped', table(['UID', 'HOTKEY', 'BLOCK', 'REASON'], r.skipped.map((s) => [s.uid === null ? '-' : String(s.uid), shortAddress(s.hotkey), String(s.block), s.reason])));
  }
  return lines.join('\n');
}

export const capacityCommand = defineCommand({
  name: 'capacity',
  description: "the subnet's verified capacity per class: the stake-weighted median of what its validators published on chain",
  options: { ...netuidOption, ...subtensorOptions },
  examples: ['flopnet capacity --netuid 1 --subtensor.network finney', 'flopnet capacity --netuid 1 --json'],
  action: async ({ options, log, signal, output }) => {
    const { netuid } = options;
    if (netuid === undefined) throw new UsageError('flopnet capacity needs --netuid', { hint: 'flopnet capacity --netuid 1' });
    await withClient(options, log, signal, async (client) => {
      const metagraph = await client.getMetagraph({ netuid });
      const { counted, skipped } = countedCommitments(metagraph, await client.getCommitments({ netuid }));
      for (const s of skipped) log.debug('commitment skipped', { hotkey: s.hotkey, reason: s.reason });
      const result: CapacityResult = {
        netuid,
        block: metagraph.block,
        capacity: subnetCapacity(counted),
        validators: counted.map(({ commitment, ...v }) => ({
          ...v,
          round: commitment.round,
          verifiedMiners: commitment.verifiedMiners,
          tflops: commitment.tflops,
          minerFigures: commitment.miners?.size ?? 0,
        })),
        skipped,
      };
      output(result, renderCapacityResult);
    });
  },
});
