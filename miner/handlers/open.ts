/**
 * Opens the rows a validator picked from its own held challenge, then frees the results: one opening
 * request per challenge, so device memory is returned as soon as the proof is out.
 */
import { ProtocolError } from '../../shared/protocol/codec.js';
import type { ComputeBackend } from '../backends/backend.js';
import type { HeldResults } from '../results.js';
import type { Handler } from './context.js';

export function createOpenHandler(deps: { backend: ComputeBackend; results: HeldResults }): Handler<'open'> {
  return async (request, ctx) => {
    const challenge = deps.results.get(request.id, ctx.validator);
    for (const ref of request.rows) {
      if (ref.matrix >= challenge.m || ref.row >= challenge.n) {
        throw new ProtocolError('E_BAD_REQUEST', `row ${ref.row} of matrix ${ref.matrix} is outside the ${challenge.m}×${challenge.n} results`);
      }
    }
    try {
      const rows = await deps.backend.open(request.id, request.rows);
      return { id: request.id, rows };
    } finally {
      void deps.results.release(request.id);
    }
  };
}
