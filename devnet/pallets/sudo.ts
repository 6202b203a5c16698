/**
 * pallet_sudo (index 12): the sudo key (Alice on the devnet) dispatches any call as root. An inner
 * failure does not fail the extrinsic: it is reported in `Sudid { sudo_result }`, as on subtensor.
 */
import { Pallet, DispatchFailure, type DispatchContext, type RuntimeTypes } from '../runtime/pallet.js';
import type { VariantValue } from '../runtime/types.js';
import { lookupAddress } from './balances.js';

export function sudoPallet(rt: RuntimeTypes) {
  const p = new Pallet(rt, 'Sudo', 12, ['pallet_sudo', 'pallet']);
  const { t, c } = p;
  const Key = p.map<[], Uint8Array | null>('Key', [], c.accountId);
  const requireSudo = p.error('RequireSudo', 0, ['Sender must be the Sudo account.']);

  const ensureSudo = (ctx: DispatchContext): void => {
    const key = Key.get(ctx.state);
    if (ctx.origin.kind !== 'signed') throw DispatchFailure.badOrigin();
    if (!key || Buffer.compare(Buffer.from(key), Buffer.from(ctx.origin.who)) !== 0) requireSudo();
  };
  const runAs = (ctx: DispatchContext, call: VariantValue, origin: Parameters<DispatchContext['dispatch']>[1], event: string): void => {
    let result: VariantValue = { name: 'Ok', value: [] };
    try {
      ctx.dispatch(call, origin);
    } catch (error) {
      if (!(error instanceof DispatchFailure)) throw error;
      result = { name: 'Err', value: error.error };
    }
    ctx.emit('Sudo', event, { sudo_result: result });
  };

  p.call('sudo', 0, [['call', c.runtimeCall, 'Box<<T as Config>::RuntimeCall>']], (ctx, args) => {
    ensureSudo(ctx);
    runAs(ctx, args['call'] as VariantValue, { kind: 'root' }, 'Sudid');
  }, { paysFee: false });
  p.call('sudo_unchecked_weight', 1, [['call', c.runtimeCall, 'Box<<T as Config>::RuntimeCall>'], ['weight', c.weight, 'Weight']], (ctx, args) => {
    ensureSudo(ctx);
    runAs(ctx, args['call'] as VariantValue, { kind: 'root' }, 'Sudid');
  }, { paysFee: false });
  p.call('set_key', 2, [['new', c.multiAddress, 'AccountIdLookupOf<T>']], (ctx, args) => {
    ensureSudo(ctx);
    const next = lookupAddress(args['new'] as VariantValue);
    const old = Key.get(ctx.state);
    Key.set(ctx.state, next);
    ctx.emit('Sudo', 'KeyChanged', { old, new: next });
  }, { paysFee: false });
  p.call('sudo_as', 3, [['who', c.multiAddress, 'AccountIdLookupOf<T>'], ['call', c.runtimeCall, 'Box<<T as Config>::RuntimeCall>']], (ctx, args) => {
    ensureSudo(ctx);
    runAs(ctx, args['call'] as VariantValue, { kind: 'signed', who: lookupAddress(args['who'] as VariantValue) }, 'SudoAsDone');
  }, { paysFee: false });

  p.event('Sudid', 0, [['sudo_result', c.dispatchResult, 'DispatchResult']]);
  p.event('KeyChanged', 1, [['old', t.option(c.accountId), 'Option<T::AccountId>'], ['new', c.accountId, 'T::AccountId']]);
  p.event('KeyRemoved', 2, []);
  p.event('SudoAsDone', 3, [['sudo_result', c.dispatchResult, 'DispatchResult']]);

  return { pallet: p, Key };
}

export type SudoPallet = ReturnType<typeof sudoPallet>;
