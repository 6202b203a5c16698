/**
 * subtensor's pool-level refusals (`1010: Invalid Transaction: Custom error: N`) are named by
 * `common/src/transaction_error.rs` at spec 425; a code flopnet does not know is shown as a number.
 */
import { describe, expect, it } from 'vitest';
import { poolRejection, POOL_CUSTOM_CODES } from '../../../shared/chain/errors.js';

/** CustomTransactionError → u8, from transaction_error.rs (BadRequest is 255, not 14). */
const SPEC_425: Record<number, string> = {
  1: 'StakeAmountTooLow', 2: 'BalanceTooLow', 3: 'SubnetNotExists', 4: 'HotkeyAccountDoesntExist', 5: 'NotEnoughStakeToWithdraw',
  6: 'RateLimitExceeded', 7: 'InsufficientLiquidity', 8: 'SlippageTooHigh', 9: 'TransferDisallowed', 10: 'HotKeyNotRegisteredInNetwork',
  11: 'InvalidIpAddress', 12: 'ServingRateLimitExceeded', 13: 'InvalidPort', 14: 'ZeroMaxAmount', 15: 'InvalidRevealRound',
  16: 'CommitNotFound', 17: 'CommitBlockNotInRevealRange', 18: 'InputLengthsUnequal', 19: 'UidNotFound', 20: 'EvmKeyAssociateRateLimitExceeded',
  21: 'ColdkeySwapDisputed', 22: 'InvalidRealAccount', 23: 'FailedShieldedTxParsing', 24: 'InvalidShieldedTxPubKeyHash', 25: 'NonAssociatedColdKey',
  26: 'DelegateTakeTooLow', 27: 'DelegateTakeTooHigh', 255: 'BadRequest',
};

describe('pool Custom error codes', () => {
  it('names every code of spec 425 as the chain does', () => {
    for (const [code, name] of Object.entries(SPEC_425)) expect(POOL_CUSTOM_CODES[Number(code)]?.name, `code ${code}`).toBe(name);
  });

  it('turns a node refusal into an error naming the code, with what to do', () => {
    const e = poolRejection('SubtensorModule.add_stake_limit', new Error('1010: Invalid Transaction: Custom error: 14'));
    expect(e.message).toContain('ZeroMaxAmount (custom error 14)');
    expect(e).toMatchObject({ customCode: 14, code: 'E_AMOUNT' });
    const unknown = poolRejection('SubtensorModule.x', new Error('1010: Invalid Transaction: Custom error: 200'));
    expect(unknown).toMatchObject({ customCode: 200, code: 'E_CHAIN_REJECTED' });
    expect(unknown.message).toContain('custom error 200');
  });
});
