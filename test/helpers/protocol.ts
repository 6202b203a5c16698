import { ProtocolError } from '../../shared/protocol/codec.js';

/** The ProtocolError code `f` throws, 'ok' when it returns: lets a table of refusals be one assertion. */
export function codeOf(f: () => unknown): string {
  try {
    f();
    return 'ok';
  } catch (error) {
    return error instanceof ProtocolError ? error.code : String(error);
  }
}
