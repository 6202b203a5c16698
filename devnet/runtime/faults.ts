/**
 * Failures injected below the client for tests (`dev_failNext`): the next `count` extrinsics calling
 * `Pallet.call` are included and fail with a module error the runtime declares, as if the runtime had
 * refused them. A client under test meets a real chain error through the real RPC, block and events,
 * not a mock of itself.
 */
import { DispatchFailure, type Pallet } from './pallet.js';

export interface FaultSpec {
  /** `Pallet.call_name`, e.g. `SubtensorModule.reveal_weights`. */
  call: string;
  /** `Pallet.ErrorName`, any error some pallet of this runtime declares. */
  error: string;
  /** How many matching extrinsics fail (default 1). */
  count: number;
}

export class FaultInjector {
  private readonly pending = new Map<string, { failure: DispatchFailure; remaining: number }>();

  constructor(private readonly pallets: readonly Pallet[]) {}

  /** Arms a fault; throws naming what is unknown. Returns how many extrinsics it will fail. */
  add(spec: FaultSpec): number {
    const [palletName, callName] = spec.call.split('.');
    const pallet = this.pallets.find((p) => p.name === palletName);
    if (!pallet?.calls.some((c) => c.name === callName)) throw new Error(`no call ${spec.call} in this runtime`);
    const [errorPallet, errorName] = spec.error.split('.');
    const owner = this.pallets.find((p) => p.name === errorPallet);
    const error = owner?.errors.find((e) => e.name === errorName);
    if (!owner || !error) throw new Error(`no error ${spec.error} in this runtime`);
    this.pending.set(spec.call, { failure: DispatchFailure.module(owner.index, error.index, spec.error), remaining: spec.count });
    return spec.count;
  }

  /** The failure for this extrinsic's call, consuming one; undefined when none is armed. */
  take(pallet: string, call: string): DispatchFailure | undefined {
    const key = `${pallet}.${call}`;
    const fault = this.pending.get(key);
    if (!fault) return undefined;
    if (--fault.remaining <= 0) this.pending.delete(key);
    return fault.failure;
  }

  clear(): void {
    this.pending.clear();
  }
}
