/** payment_*: fee queries. The devnet charges no fees; the weight is a fixed estimate per call. */
import { z } from 'zod';
import { CALL_WEIGHT } from '../runtime/runtime-api.js';
import { parseParams, zAt, zHex, type Handlers } from './shared.js';

export const paymentHandlers: Handlers = {
  payment_queryInfo: (_ctx, params) => {
    parseParams(z.tuple([zHex, zAt.optional()]), params);
    return { weight: { refTime: Number(CALL_WEIGHT.ref_time), proofSize: Number(CALL_WEIGHT.proof_size) }, class: 'normal', partialFee: '0' };
  },
  payment_queryFeeDetails: (_ctx, params) => {
    parseParams(z.tuple([zHex, zAt.optional()]), params);
    return { inclusionFee: { baseFee: '0x0', lenFee: '0x0', adjustedWeightFee: '0x0' } };
  },
};
