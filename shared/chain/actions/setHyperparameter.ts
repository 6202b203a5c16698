/**
 * Sets a subnet hyperparameter through its AdminUtils setter. Owner-level settings are signed by the
 * subnet owner coldkey; root-only ones (and any with `sudo: true`) are wrapped in `Sudo.sudo` and need
 * the sudo key. The value is parsed for the setter's argument type in this runtime (bool or integer).
 */
import { UsageError } from '../../errors.js';
import { CallUnsupportedError } from '../errors.js';
import { HYPERPARAMETERS } from '../hyperparameters.js';
import { buildCall, callLabel, submit, type SubmitOptions, type TxResult } from '../tx.js';
import type { ChainContext, Signer } from '../context.js';
import { stringCamelCase } from '@polkadot/util';

export interface SetHyperparameterParameters extends SubmitOptions {
  signer: Signer;
  netuid: number;
  /** btcli name, e.g. `weights_rate_limit` (see HYPERPARAMETERS). */
  name: string;
  value: string | number | bigint | boolean;
  /** Send through Sudo.sudo even for an owner-level setting (when the signer is the sudo key, not the owner). */
  sudo?: boolean;
}

function parseValue(name: string, type: string, value: string | number | bigint | boolean): boolean | bigint {
  if (type === 'bool') {
    if (typeof value === 'boolean') return value;
    const s = String(value).toLowerCase();
    if (['true', '1', 'yes', 'on'].includes(s)) return true;
    if (['false', '0', 'no', 'off'].includes(s)) return false;
    throw new UsageError(`${name} takes true or false, not "${value}"`, { code: 'E_HYPERPARAM_VALUE', hint: `flopnet subnet hyperparams set ${name} true|false` });
  }
  const m = /^(?:Compact<)?([ui])(8|16|32|64|128)>?$/.exec(type);
  if (!m || typeof value === 'boolean' || !/^-?\d+$/.test(String(value))) {
    throw new UsageError(`${name} takes ${type}, not "${value}"`, { code: 'E_HYPERPARAM_VALUE', hint: `give ${name} as ${m ? 'an integer' : type}` });
  }
  const v = BigInt(value);
  const bits = BigInt(m[2]!);
  const [min, max] = m[1] === 'u' ? [0n, (1n << bits) - 1n] : [-(1n << (bits - 1n)), (1n << (bits - 1n)) - 1n];
  if (v < min || v > max) throw new UsageError(`${name} must be from ${min} to ${max} (${type}), not ${v}`, { code: 'E_HYPERPARAM_VALUE' });
  return v;
}

export async function setHyperparameter(ctx: ChainContext, { signer, netuid, name, value, sudo, ...options }: SetHyperparameterParameters): Promise<TxResult> {
  const hp = HYPERPARAMETERS[name];
  if (!hp?.setter) {
    const settable = Object.entries(HYPERPARAMETERS).filter(([, h]) => h.setter).map(([n]) => n);
    throw new UsageError(`"${name}" is not a hyperparameter flopnet can set`, { code: 'E_HYPERPARAM_NAME', hint: `one of: ${settable.join(', ')}` });
  }
  const fn = ctx.api.tx['adminUtils']?.[stringCamelCase(hp.setter)];
  if (!fn) throw new CallUnsupportedError(`call ${callLabel('AdminUtils', hp.setter)} (to set ${name})`, ctx.api.runtimeVersion.specVersion.toNumber());
  const valueArg = fn.meta.args.find((a) => a.name.toString() !== 'netuid');
  if (!valueArg) throw new CallUnsupportedError(`value argument in ${callLabel('AdminUtils', hp.setter)}`, undefined);
  const parsed = parseValue(name, valueArg.type.toString(), value);
  const inner = buildCall(ctx, 'AdminUtils', hp.setter, { netuid, [valueArg.name.toString()]: parsed });
  const label = callLabel('AdminUtils', hp.setter);
  if (!hp.root && !sudo) return submit(ctx, signer, inner, { ...options, label });
  return submit(ctx, signer, buildCall(ctx, 'Sudo', 'sudo', { call: inner }), { ...options, label: `Sudo.sudo(${label})` });
}
