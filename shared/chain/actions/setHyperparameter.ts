/**
 * Sets a subnet hyperparameter through the setter this runtime has for it (hyperparameters.ts
 * `setterFor`: AdminUtils, or SubtensorModule's tempo controls on spec 404–430). Owner-level settings are
 * signed by the subnet owner coldkey; root-only ones (and any with `sudo: true`) are wrapped in
 * `Sudo.sudo` and need the sudo key. The value is parsed for the setter's argument type in this runtime.
 */
import { UsageError } from '../../errors.js';
import { CallUnsupportedError } from '../errors.js';
import { HYPERPARAMETERS, setterFor, type RuntimeSurface } from '../hyperparameters.js';
import { storageEntry } from '../storage.js';
import { buildCall, callLabel, hasCall, submit, type SubmitOptions, type TxResult } from '../tx.js';
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
  const plan = setterFor(name, runtimeSurface(ctx), sudo === true);
  if ('refused' in plan) {
    if (!HYPERPARAMETERS[name]?.setter) throw new UsageError(plan.refused, { code: 'E_HYPERPARAM_NAME', hint: plan.hint });
    throw new CallUnsupportedError(`setter for ${name}: ${plan.refused}`, ctx.api.runtimeVersion.specVersion.toNumber(), plan.hint);
  }
  const fn = ctx.api.tx[stringCamelCase(plan.pallet)]?.[stringCamelCase(plan.call)];
  if (!fn) throw new CallUnsupportedError(`call ${callLabel(plan.pallet, plan.call)} (to set ${name})`, ctx.api.runtimeVersion.specVersion.toNumber());
  const valueArg = fn.meta.args.find((a) => a.name.toString() !== 'netuid');
  if (!valueArg) throw new CallUnsupportedError(`value argument in ${callLabel(plan.pallet, plan.call)}`, undefined);
  const parsed = parseValue(name, valueArg.type.toString(), value);
  const inner = buildCall(ctx, plan.pallet, plan.call, { netuid, [valueArg.name.toString()]: parsed });
  const label = callLabel(plan.pallet, plan.call);
  if (!plan.root && !sudo) return submit(ctx, signer, inner, { ...options, label });
  return submit(ctx, signer, buildCall(ctx, 'Sudo', 'sudo', { call: inner }), { ...options, label: `Sudo.sudo(${label})` });
}

/** The runtime's calls and storage as its metadata declares them. */
function runtimeSurface(ctx: ChainContext): RuntimeSurface {
  return {
    specVersion: ctx.api.runtimeVersion.specVersion.toNumber(),
    hasCall: (pallet, call) => hasCall(ctx, pallet, call),
    hasStorage: (pallet, item) => storageEntry(ctx, pallet, item) !== undefined,
  };
}
