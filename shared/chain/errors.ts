/**
 * Chain failures as errors that say what to do next.
 *
 * A subtensor call fails in one of three places, and each gets its own class:
 * - the connection (`ChainConnectionError`): the endpoint never answered, or went away;
 * - the transaction pool (`ChainRejectedError`): the node refused the extrinsic before any block
 *   (RPC 1010/1014), e.g. subtensor's `InvalidTransaction::Custom(code)` from its transaction extension;
 * - dispatch (`ChainCallError`): the extrinsic is in a block but its call failed with a module error
 *   (`SubtensorModule.SettingWeightsTooFast`) or another `DispatchError`.
 * A call or storage item the connected runtime does not have is `CallUnsupportedError`.
 *
 * Stable codes let scripts match on the cause (`E_BALANCE`, `E_NOT_REGISTERED`, ...), whatever the
 * runtime named it.
 */
import { FlopnetError, type FlopnetErrorOptions } from '../errors.js';

export class ChainError extends FlopnetError {
  override name = 'ChainError';
}

export class ChainConnectionError extends ChainError {
  override name = 'ChainConnectionError';
  readonly endpoint: string;
  constructor(endpoint: string, message: string, options: Partial<FlopnetErrorOptions> = {}) {
    super(message, {
      code: 'E_CHAIN_UNREACHABLE',
      hint:
        `check that a subtensor node answers at ${endpoint} (for a local chain run \`flopnet devnet\`), ` +
        'or pick another with --subtensor.network finney|test|local or --subtensor.chain_endpoint ws://HOST:PORT',
      ...options,
    });
    this.endpoint = endpoint;
  }
}

/** A call, storage item or runtime API the connected runtime does not have. */
export class CallUnsupportedError extends ChainError {
  override name = 'CallUnsupportedError';
  constructor(what: string, specVersion: number | undefined, hint?: string) {
    super(`the connected runtime${specVersion === undefined ? '' : ` (spec_version ${specVersion})`} has no ${what}`, {
      code: 'E_CALL_UNSUPPORTED',
      hint: hint ?? 'connect to a subtensor whose runtime has it (a newer node), or use the call this runtime offers',
    });
  }
}

/** The extrinsic was included but failed: `error` is `Pallet.ErrorName` (or the DispatchError kind). */
export class ChainCallError extends ChainError {
  override name = 'ChainCallError';
  readonly call: string;
  readonly error: string;
  readonly blockHash: string | undefined;
  constructor(call: string, error: string, options: { code: string; hint?: string; details?: readonly string[]; blockHash?: string }) {
    super(`${call} failed: ${error}`, {
      code: options.code,
      ...(options.hint === undefined ? {} : { hint: options.hint }),
      ...(options.details === undefined ? {} : { details: options.details }),
    });
    this.call = call;
    this.error = error;
    this.blockHash = options.blockHash;
  }
}

/** The node refused the extrinsic before any block (invalid or unknown transaction). */
export class ChainRejectedError extends ChainError {
  override name = 'ChainRejectedError';
  readonly call: string;
  /** subtensor's `InvalidTransaction::Custom` code, when the pool gave one. */
  readonly customCode: number | undefined;
  constructor(call: string, reason: string, options: { code: string; hint?: string; customCode?: number; cause?: unknown }) {
    super(`${call} rejected by the node: ${reason}`, {
      code: options.code,
      ...(options.hint === undefined ? {} : { hint: options.hint }),
      ...(options.cause === undefined ? {} : { cause: options.cause }),
    });
    this.call = call;
    this.customCode = options.customCode;
  }
}

/** The extrinsic was submitted but no block included it in time. */
export class ChainTimeoutError extends ChainError {
  override name = 'ChainTimeoutError';
  constructor(call: string, seconds: number) {
    super(`${call} was not included in a block within ${seconds} s`, {
      code: 'E_CHAIN_TIMEOUT',
      hint: 'the node may be stalled or the pool full: check the node, then retry (the extrinsic may still land; check before resending)',
    });
  }
}

interface Explanation {
  code: string;
  hint: string;
}

const weightsWait = 'wait until weights_rate_limit blocks have passed since this hotkey last set or committed weights (see `flopnet subnet hyperparams get`)';

/**
 * What to do about the module errors users meet. Names cover HEAD and older runtimes (`NotRegistered`
 * was `HotKeyNotRegisteredInSubNet` before dTAO). Unlisted errors still report their name and docs.
 */
export const MODULE_ERRORS: Readonly<Record<string, Explanation>> = {
  // registration and subnet
  SubnetNotExists: { code: 'E_SUBNET_NOT_FOUND', hint: 'check the netuid: `flopnet subnet show` lists the subnets that exist' },
  NetworkDoesNotExist: { code: 'E_SUBNET_NOT_FOUND', hint: 'check the netuid: `flopnet subnet show` lists the subnets that exist' },
  HotKeyAlreadyRegisteredInSubNet: { code: 'E_ALREADY_REGISTERED', hint: 'this hotkey already has a uid on the subnet; nothing to do (see `flopnet metagraph`)' },
  SubNetRegistrationDisabled: { code: 'E_REGISTRATION_DISABLED', hint: 'the subnet owner (or root) must enable registration (network_registration_allowed)' },
  RegistrationNotPermittedOnRootSubnet: { code: 'E_USAGE_CHAIN', hint: 'register on a subnet netuid ≥ 1; the root subnet uses root_register' },
  TooManyRegistrationsThisBlock: { code: 'E_RATE_LIMIT', hint: 'retry in the next block' },
  NoNeuronIdAvailable: { code: 'E_SUBNET_FULL', hint: 'the subnet is full and every uid is immune; retry after the immunity period' },
  NonAssociatedColdKey: { code: 'E_WRONG_COLDKEY', hint: 'this hotkey belongs to another coldkey: sign with the coldkey that owns it, or use a new hotkey' },
  NotEnoughBalanceToStake: { code: 'E_BALANCE', hint: 'the coldkey cannot pay: fund it, or use a smaller amount' },
  NotEnoughBalanceToPaySwapFee: { code: 'E_BALANCE', hint: 'the coldkey cannot pay the fee: fund it' },
  BalanceWithdrawalError: { code: 'E_BALANCE', hint: 'the coldkey balance is too low for this amount: fund it or use a smaller amount' },
  NetworkTxRateLimitExceeded: { code: 'E_RATE_LIMIT', hint: 'subnets may be created only once per network_rate_limit blocks: retry later' },
  CannotUseSystemAccount: { code: 'E_USAGE_CHAIN', hint: 'use an ordinary hotkey, not a subnet system account' },
  FirstEmissionBlockNumberAlreadySet: { code: 'E_ALREADY_STARTED', hint: 'start_call already ran for this subnet; nothing to do' },
  NeedWaitingMoreBlocksToStarCall: { code: 'E_RATE_LIMIT', hint: 'start_call is allowed only some blocks after the subnet was created (start_call_delay): retry later' },
  // serving
  InvalidIpType: { code: 'E_BAD_AXON', hint: 'ip_type must be 4 or 6' },
  InvalidIpAddress: { code: 'E_BAD_AXON', hint: 'publish a routable address with --axon.external_ip (subtensor refuses 127.0.0.1 and ::1; 0.0.0.0 is allowed for tests)' },
  InvalidPort: { code: 'E_BAD_AXON', hint: 'publish a port from 1 to 65535 with --axon.port' },
  ServingRateLimitExceeded: { code: 'E_RATE_LIMIT', hint: 'the axon was served recently: wait serving_rate_limit blocks, or keep the axon already on chain' },
  HotKeyNotRegisteredInNetwork: { code: 'E_NOT_REGISTERED', hint: 'register the hotkey on this subnet first: `flopnet register --netuid N`' },
  HotKeyNotRegisteredInSubNet: { code: 'E_NOT_REGISTERED', hint: 'register the hotkey on this subnet first: `flopnet register --netuid N`' },
  NotRegistered: { code: 'E_NOT_REGISTERED', hint: 'register the hotkey on this subnet first: `flopnet register --netuid N`' },
  HotKeyAccountNotExists: { code: 'E_NOT_REGISTERED', hint: 'the hotkey is unknown to the chain: register it on a subnet first' },
  // staking
  AmountTooLow: { code: 'E_AMOUNT', hint: 'stake at least the chain minimum (0.002 TAO at HEAD) plus the swap fee' },
  NotEnoughStakeToWithdraw: { code: 'E_BALANCE', hint: 'remove at most the stake this coldkey holds on the hotkey (see `flopnet metagraph`)' },
  SubtokenDisabled: { code: 'E_SUBNET_NOT_STARTED', hint: 'the subnet owner must run start_call first (`flopnet subnet start --netuid N`)' },
  InsufficientLiquidity: { code: 'E_LIQUIDITY', hint: 'the subnet pool is too shallow for this amount: use a smaller amount' },
  SlippageTooHigh: { code: 'E_LIQUIDITY', hint: 'the price moved too much: use a smaller amount' },
  // weights
  SettingWeightsTooFast: { code: 'E_RATE_LIMIT', hint: weightsWait },
  CommittingWeightsTooFast: { code: 'E_RATE_LIMIT', hint: weightsWait },
  NeuronNoValidatorPermit: { code: 'E_NO_PERMIT', hint: 'only validators with a permit may weight others: add stake to the hotkey and wait for the next epoch, or set a self-weight only' },
  NoValidatorPermit: { code: 'E_NO_PERMIT', hint: 'only validators with a permit may weight others: add stake to the hotkey and wait for the next epoch' },
  NotEnoughStakeToSetWeights: { code: 'E_STAKE', hint: 'the hotkey needs at least the subnet stake threshold: add stake to it' },
  CommitRevealEnabled: { code: 'E_COMMIT_REVEAL', hint: 'this subnet uses commit-reveal: use commit_weights/reveal_weights, or have the owner set commit_reveal_weights_enabled false' },
  CommitRevealDisabled: { code: 'E_COMMIT_REVEAL', hint: 'commit-reveal is off on this subnet: use set_weights' },
  IncorrectWeightVersionKey: { code: 'E_VERSION_KEY', hint: 'send version_key ≥ the subnet weights_version (see `flopnet subnet hyperparams get`); upgrade the validator if it is older' },
  IncorrectNetworkVersionKey: { code: 'E_VERSION_KEY', hint: 'send version_key ≥ the subnet weights_version; upgrade the validator' },
  WeightVecNotEqualSize: { code: 'E_BAD_WEIGHTS', hint: 'send as many weights as uids' },
  WeightVecLengthIsLow: { code: 'E_BAD_WEIGHTS', hint: 'set weights on at least min_allowed_weights uids (processWeightsForNetuid does this)' },
  NotSettingEnoughWeights: { code: 'E_BAD_WEIGHTS', hint: 'set weights on at least min_allowed_weights uids (processWeightsForNetuid does this)' },
  DuplicateUids: { code: 'E_BAD_WEIGHTS', hint: 'list each uid once' },
  UidVecContainInvalidOne: { code: 'E_BAD_WEIGHTS', hint: 'weight only uids that exist on the subnet (refresh the metagraph)' },
  InvalidUid: { code: 'E_BAD_WEIGHTS', hint: 'weight only uids that exist on the subnet (refresh the metagraph)' },
  UidsLengthExceedUidsInSubNet: { code: 'E_BAD_WEIGHTS', hint: 'send at most one weight per uid on the subnet' },
  MaxWeightExceeded: { code: 'E_BAD_WEIGHTS', hint: 'no weight may exceed max_weight_limit: normalise with processWeightsForNetuid' },
  CanNotSetRootNetworkWeights: { code: 'E_USAGE_CHAIN', hint: 'set weights on a subnet netuid ≥ 1' },
  NoWeightsCommitFound: { code: 'E_COMMIT_REVEAL', hint: 'commit before revealing (commit_weights), in an earlier epoch' },
  InvalidRevealCommitHashNotMatch: { code: 'E_COMMIT_REVEAL', hint: 'reveal exactly the uids, values, salt and version_key that were committed' },
  ExpiredWeightCommit: { code: 'E_COMMIT_REVEAL', hint: 'the commit expired: commit again and reveal in the next epoch' },
  RevealTooEarly: { code: 'E_COMMIT_REVEAL', hint: 'reveal in the epoch after the commit (commit_reveal_period epochs later)' },
  TooManyUnrevealedCommits: { code: 'E_COMMIT_REVEAL', hint: 'reveal (or let expire) earlier commits before committing again' },
  InputLengthsUnequal: { code: 'E_BAD_WEIGHTS', hint: 'uids, values and salts must have matching lengths' },
  IncorrectCommitRevealVersion: { code: 'E_COMMIT_REVEAL', hint: 'the runtime expects another commit-reveal version (CommitRevealWeightsVersion): upgrade flopnet' },
  InvalidRevealRound: { code: 'E_COMMIT_REVEAL', hint: 'the drand reveal round is already past on chain: commit again (a new round is computed)' },
  // admin
  AdminActionProhibitedDuringWeightsWindow: { code: 'E_FREEZE_WINDOW', hint: 'hyperparameters are frozen near the epoch: retry after it, or (root) set admin_freeze_window 0' },
  TxRateLimitExceeded: { code: 'E_RATE_LIMIT', hint: 'the owner may change this hyperparameter once per owner rate limit (2 tempos by default): retry later' },
  NotSubnetOwner: { code: 'E_NOT_OWNER', hint: 'sign with the subnet owner coldkey' },
  RequireSudo: { code: 'E_NOT_SUDO', hint: 'sign with the sudo key (Alice on a local chain)' },
};

const DISPATCH_ERRORS: Readonly<Record<string, Explanation>> = {
  BadOrigin: { code: 'E_BAD_ORIGIN', hint: 'this call needs another signer: the subnet owner coldkey, or the sudo key for root-only settings' },
  CannotLookup: { code: 'E_BAD_ORIGIN', hint: 'an account in the call does not exist' },
  'Token.FundsUnavailable': { code: 'E_BALANCE', hint: 'the signer cannot pay: fund the coldkey' },
  'Token.BelowMinimum': { code: 'E_BALANCE', hint: 'the amount (or what is left) is below the existential deposit (500 rao)' },
  'Token.NoFunds': { code: 'E_BALANCE', hint: 'the signer cannot pay: fund the coldkey' },
  'Arithmetic.Underflow': { code: 'E_BALANCE', hint: 'the amount exceeds what the account holds' },
};

/** Hint and stable code for a dispatch error name (`SubtensorModule.SettingWeightsTooFast`, `BadOrigin`). */
export function explainDispatchError(name: string): Explanation {
  const short = name.includes('.') && !name.startsWith('Token.') && !name.startsWith('Arithmetic.') ? name.slice(name.indexOf('.') + 1) : name;
  return (
    MODULE_ERRORS[short] ??
    DISPATCH_ERRORS[name] ?? { code: 'E_CHAIN_CALL', hint: 'the chain refused the call; its error name above says why' }
  );
}

/**
 * subtensor's pool-level codes (`InvalidTransaction::Custom(n)`, `common/src/transaction_error.rs` at spec 425):
 * the node refuses the extrinsic before any block, so no module error is emitted.
 */
export const POOL_CUSTOM_CODES: Readonly<Record<number, { name: string } & Explanation>> = {
  0: { name: 'ColdKeyInSwapSchedule', code: 'E_CHAIN_REJECTED', hint: 'this coldkey is being swapped; wait for the swap to finish' },
  1: { name: 'StakeAmountTooLow', code: 'E_STAKE', hint: 'the hotkey has too little stake for this (weights need the stake threshold; stake needs the minimum amount): add stake' },
  2: { name: 'BalanceTooLow', code: 'E_BALANCE', hint: 'the coldkey cannot pay: fund it' },
  3: { name: 'SubnetNotExists', code: 'E_SUBNET_NOT_FOUND', hint: 'check the netuid: `flopnet subnet show` lists the subnets' },
  4: { name: 'HotkeyAccountDoesntExist', code: 'E_NOT_REGISTERED', hint: 'the hotkey is unknown to the chain: register it first' },
  5: { name: 'NotEnoughStakeToWithdraw', code: 'E_BALANCE', hint: 'remove at most the stake held' },
  6: { name: 'RateLimitExceeded', code: 'E_RATE_LIMIT', hint: 'rate limited (weights_rate_limit for weights and commits, network_rate_limit for subnets): wait and retry' },
  7: { name: 'InsufficientLiquidity', code: 'E_LIQUIDITY', hint: 'the subnet pool is too shallow for this amount' },
  8: { name: 'SlippageTooHigh', code: 'E_LIQUIDITY', hint: 'use a smaller amount' },
  9: { name: 'TransferDisallowed', code: 'E_CHAIN_REJECTED', hint: 'transfers are disabled on this subnet' },
  10: { name: 'HotKeyNotRegisteredInNetwork', code: 'E_NOT_REGISTERED', hint: 'register the hotkey on this subnet first: `flopnet register --netuid N`' },
  11: { name: 'InvalidIpAddress', code: 'E_BAD_AXON', hint: 'publish a routable address (not 127.0.0.1 or ::1) with --axon.external_ip' },
  12: { name: 'ServingRateLimitExceeded', code: 'E_RATE_LIMIT', hint: 'wait serving_rate_limit blocks before serving the axon again' },
  13: { name: 'InvalidPort', code: 'E_BAD_AXON', hint: 'publish a port from 1 to 65535' },
  14: { name: 'ZeroMaxAmount', code: 'E_AMOUNT', hint: 'at this limit price the pool would take nothing: raise the limit price or the amount' },
  15: { name: 'InvalidRevealRound', code: 'E_COMMIT_REVEAL', hint: 'the drand reveal round is in the past: commit again' },
  16: { name: 'CommitNotFound', code: 'E_COMMIT_REVEAL', hint: 'no matching commit: reveal exactly what was committed, after committing' },
  17: { name: 'CommitBlockNotInRevealRange', code: 'E_COMMIT_REVEAL', hint: 'reveal in the epoch after the commit' },
  18: { name: 'InputLengthsUnequal', code: 'E_BAD_WEIGHTS', hint: 'uids and values must have the same length' },
  19: { name: 'UidNotFound', code: 'E_NOT_REGISTERED', hint: 'the hotkey has no uid on this subnet: register it first' },
  20: { name: 'EvmKeyAssociateRateLimitExceeded', code: 'E_RATE_LIMIT', hint: 'an EVM key was associated with this hotkey recently: wait and retry' },
  21: { name: 'ColdkeySwapDisputed', code: 'E_CHAIN_REJECTED', hint: 'a swap of this coldkey is disputed: it cannot transact until the dispute is resolved' },
  22: { name: 'InvalidRealAccount', code: 'E_CHAIN_REJECTED', hint: 'the proxied (real) account is not valid for this call' },
  23: { name: 'FailedShieldedTxParsing', code: 'E_CHAIN_REJECTED', hint: 'the MEV-shielded transaction could not be parsed: send it unshielded, or re-encrypt it' },
  24: { name: 'InvalidShieldedTxPubKeyHash', code: 'E_CHAIN_REJECTED', hint: 'the MEV-shield key the transaction was sealed to is not current: re-encrypt it to the current key' },
  25: { name: 'NonAssociatedColdKey', code: 'E_WRONG_COLDKEY', hint: 'sign with the coldkey that owns this hotkey' },
  26: { name: 'DelegateTakeTooLow', code: 'E_CHAIN_REJECTED', hint: 'the delegate take is below the subnet minimum' },
  27: { name: 'DelegateTakeTooHigh', code: 'E_CHAIN_REJECTED', hint: 'the delegate take is above the maximum' },
  255: { name: 'BadRequest', code: 'E_CHAIN_REJECTED', hint: 'the chain refused the call as malformed (e.g. an invalid ip_type)' },
};

/**
 * Turns the node's refusal of a submitted extrinsic (`1010: Invalid Transaction: Custom error: 6`,
 * `1014: Priority is too low`, ...) into a `ChainRejectedError`.
 */
export function poolRejection(call: string, error: unknown): ChainRejectedError {
  const text = error instanceof Error ? error.message : String(error);
  const custom = /Custom error:\s*(\d+)/i.exec(text);
  if (custom) {
    const n = Number(custom[1]);
    const known = POOL_CUSTOM_CODES[n];
    return new ChainRejectedError(call, known ? `${known.name} (custom error ${n})` : `custom error ${n}`, {
      code: known?.code ?? 'E_CHAIN_REJECTED',
      hint: known?.hint ?? 'subtensor refused the transaction at its pool checks; see the code in common/src/transaction_error.rs',
      customCode: n,
      cause: error,
    });
  }
  const rules: Array<[RegExp, Explanation]> = [
    [/bad signature/i, { code: 'E_BAD_SIGNATURE', hint: 'the signature did not verify: the client and node disagree on the signed extensions or the genesis; report this with the node version' }],
    [/outdated|stale/i, { code: 'E_NONCE', hint: 'the nonce was already used (another transaction from this key landed first): retry' }],
    [/priority is too low|already imported|temporarily banned/i, { code: 'E_NONCE', hint: 'a transaction with this nonce is already pending: wait for it, then retry' }],
    [/future/i, { code: 'E_NONCE', hint: 'the nonce is ahead of the chain (an earlier transaction was dropped): retry' }],
    [/Inability to pay|payment/i, { code: 'E_BALANCE', hint: 'the signer cannot pay the transaction fee: fund it' }],
    [/BadSigner|bad signer|Invalid signing address/i, { code: 'E_NOT_SUDO', hint: 'only the sudo key may send Sudo calls (Alice on a local chain)' }],
    [/ancient birth block/i, { code: 'E_CHAIN_REJECTED', hint: 'the transaction\'s era is too old: retry' }],
  ];
  for (const [re, ex] of rules) if (re.test(text)) return new ChainRejectedError(call, text, { ...ex, cause: error });
  return new ChainRejectedError(call, text, { code: 'E_CHAIN_REJECTED', hint: 'the node refused the transaction; its reason is above', cause: error });
}

export class SubnetNotFoundError extends ChainError {
  override name = 'SubnetNotFoundError';
  constructor(netuid: number, endpoint: string) {
    super(`subnet ${netuid} does not exist on ${endpoint}`, {
      code: 'E_SUBNET_NOT_FOUND',
      hint: 'check --netuid: `flopnet subnet show` lists the subnets; `flopnet subnet create` makes one',
    });
  }
}

export class NotRegisteredError extends ChainError {
  override name = 'NotRegisteredError';
  constructor(hotkey: string, netuid: number) {
    super(`hotkey ${hotkey} is not registered on subnet ${netuid}`, {
      code: 'E_NOT_REGISTERED',
      hint: `register it first: flopnet register --netuid ${netuid} --wallet.name NAME --wallet.hotkey HOTKEY`,
    });
  }
}

export class InsufficientBalanceError extends ChainError {
  override name = 'InsufficientBalanceError';
  constructor(address: string, need: string, have: string, what: string) {
    super(`${address} has ${have} but ${what} needs ${need}`, {
      code: 'E_BALANCE',
      hint: 'fund this coldkey (on a devnet, wallets made with `flopnet wallet create --uri alice` (or bob, charlie) hold 1 000 000 TAO)',
    });
  }
}
