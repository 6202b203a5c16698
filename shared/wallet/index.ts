/** btcli-compatible wallets: what other modules import. */
export {
  createColdkey,
  createHotkey,
  createWallet,
  listWallets,
  loadColdkey,
  loadHotkey,
  loadHotkeyAsync,
  readColdkeyPub,
  readHotkeyPub,
  showWallet,
  walletPaths,
  type CreatedWallet,
  type CreateWalletOptions,
  type HotkeyRef,
  type WalletDetails,
  type WalletRef,
  type WalletSummary,
} from './wallet.js';
export { passwordEnvName, encodeEnvPassword } from './password.js';
