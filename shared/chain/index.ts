/**
 * The chain client for subtensor: what miners, validators and commands import.
 *
 *   const client = await connect({ endpoint, log });
 *   const sync = new MetagraphSync(client, { netuid, everyBlocks: 5 });
 *   await client.setWeights({ hotkey, netuid, ...convertWeightsForEmit(uids, scores), versionKey });
 */
export { connect, type ChainClient, type ChainActions, type ConnectOptions } from './client.js';
export type { ChainContext, Signer } from './context.js';
export { MetagraphSync, type MetagraphSource, type MetagraphSyncOptions } from './metagraph.js';
export { convertWeightsForEmit, processWeightsForNetuid, normalizeMaxWeight, U16_MAX, type ProcessWeightsInput } from './weights.js';
export { commitHash, commitPreimage, type CommitInput } from './commit.js';
export { ipToU128, u128ToIp, ipType, type IpType } from './ip.js';
export { taoToRao, formatTao, RAO_PER_TAO } from './units.js';
export { HYPERPARAMETERS, type Hyperparameter } from './hyperparameters.js';
export {
  ChainError,
  ChainConnectionError,
  ChainCallError,
  ChainRejectedError,
  ChainTimeoutError,
  CallUnsupportedError,
  SubnetNotFoundError,
  NotRegisteredError,
  InsufficientBalanceError,
  MODULE_ERRORS,
  POOL_CUSTOM_CODES,
  explainDispatchError,
} from './errors.js';
export { buildCall, submit, findEvent, type TxResult, type ChainEvent, type SubmitOptions } from './tx.js';
export type { Metagraph, Neuron, AxonInfo } from './types.js';
export type { GetMetagraphParameters } from './actions/getMetagraph.js';
export type { BurnedRegisterParameters } from './actions/burnedRegister.js';
export type { RegisterNetworkParameters } from './actions/registerNetwork.js';
export type { ServeAxonParameters } from './actions/serveAxon.js';
export type { AddStakeParameters } from './actions/addStake.js';
export type { RemoveStakeParameters } from './actions/removeStake.js';
export type { SetWeightsParameters } from './actions/setWeights.js';
export type { CommitWeightsParameters } from './actions/commitWeights.js';
export type { RevealWeightsParameters } from './actions/revealWeights.js';
export type { CommitTimelockedWeightsParameters, TimelockedCommit } from './actions/commitTimelockedWeights.js';
export type { SetHyperparameterParameters } from './actions/setHyperparameter.js';
export type { Hyperparameters } from './actions/getHyperparameters.js';
export type { SetCommitmentParameters } from './actions/setCommitment.js';
export type { Commitment } from './actions/getCommitments.js';
export type { TransferParameters } from './actions/transfer.js';
export type { Balance } from './actions/getBalance.js';
export type { WeightsRow } from './actions/getWeights.js';
export type { SubnetInfo } from './actions/getSubnetInfo.js';
export type { GetConsensusParameters } from './actions/getConsensus.js';
export type { GetRegistrationCostParameters } from './actions/getRegistrationCost.js';
export { registrationCost, type RegistrationCost } from './collateral.js';
export { diagnoseConsensus, type ConsensusDiagnosis, type ConsensusInput } from './consensus.js';
export { weightsCalls, chooseMechanism, timelockedCall, type WeightsCalls, type WeightsMechanism, type TimelockedCall } from './weights-mechanism.js';
