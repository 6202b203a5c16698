/**
 * The chain's view of a subnet, as flopnet's programs consume it. Proportions are the chain's u16
 * values divided by 65535; balances are rao (1 TAO = 1e9 rao) as bigint.
 */
export interface AxonInfo {
  /** Block at which the axon was last served; 0 when never served. */
  block: number;
  version: number;
  /** Dotted IPv4 or IPv6 text; '0.0.0.0' when not served. */
  ip: string;
  port: number;
  ipType: 4 | 6;
  protocol: number;
}

export interface Neuron {
  uid: number;
  /** ss58 address (prefix 42). */
  hotkey: string;
  coldkey: string;
  active: boolean;
  /**
   * Stake weight on this subnet, rao: alpha plus root stake × TaoWeight, what the chain ranks validator
   * permits by and checks against StakeThreshold.
   */
  stake: bigint;
  /** Alpha staked to the hotkey on this subnet, rao (set by the chain client; absent in hand-built fixtures). */
  alphaStake?: bigint;
  /** Stake on the root subnet (netuid 0), rao, which counts × TaoWeight. */
  rootStake?: bigint;
  axon: AxonInfo;
  validatorPermit: boolean;
  rank: number;
  trust: number;
  consensus: number;
  incentive: number;
  dividends: number;
  validatorTrust: number;
  /** Emission of the last epoch, rao. */
  emission: bigint;
  lastUpdate: number;
  blockAtRegistration: number;
}

export interface Metagraph {
  netuid: number;
  /** Block the snapshot was read at. */
  block: number;
  neurons: Neuron[];
}
