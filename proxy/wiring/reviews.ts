/**
 * The reviewer's side of second reviews in their own window: the engine lists the server's
 * pending reviews for the signed-in person's groups and forwards their decisions, each with
 * that person's OIDC access token (the server checks the group and refuses the requester).
 * The server's refusals come back under the same codes; the reason is masked before it leaves.
 */
import { WitnessError, type WitnessErrorCode } from '../errors.js';
import type { Handlers } from '../control-server/index.js';
import type { Masker } from '../masking/index.js';
import { ReviewListSchema, ReviewSchema, ServerErrorSchema } from '../model/index.js';

export interface ServerReviewParts {
  /** sync.server (null: no central server configured). */
  server: string | null;
  accessToken: () => string | null;
  masker: Masker;
  fetch?: typeof fetch | undefined;
}

/** Server codes passed on unchanged (control API status in control-server/server.ts). */
const PASSED_ON: readonly WitnessErrorCode[] = ['REVIEWER_NOT_IN_GROUP', 'SELF_REVIEW_REFUSED', 'REVIEW_STALE', 'REVIEW_CLOSED', 'REVIEW_NOT_FOUND'];

export function serverReviewHandlers(p: ServerReviewParts): Pick<Handlers, 'reviews' | 'reviewDecide'> {
  const call = async (path: string, init: RequestInit = {}): Promise<unknown> => {
    if (p.server === null) throw new WitnessError('REVIEWS_UNAVAILABLE', 'No central server is configured (sync.server), so there are no second reviews to list or decide.');
    const token = p.accessToken();
    if (token === null) throw new WitnessError('REVIEWS_UNAVAILABLE', 'Nobody is signed in: sign in (`witness login`) to see and decide the reviews of your groups.');
    let res: Response;
    try {
      res = await (p.fetch ?? fetch)(p.server + path, {
        ...init,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        signal: AbortSignal.timeout(30_000),
      });
    } catch (e) {
      const err = e as Error & { cause?: { code?: string } };
      throw new WitnessError('REVIEWS_UNAVAILABLE', `The central server ${p.server} cannot be reached (${err.cause?.code ?? err.message}).`);
    }
    const body: unknown = await res.json().catch(() => null);
    if (res.ok) return body;
    const refused = ServerErrorSchema.safeParse(body);
    if (!refused.success) throw new WitnessError('REVIEWS_UNAVAILABLE', `The central server answered HTTP ${res.status}.`);
    const { code, message } = refused.data.error;
    if (code === 'NOT_FOUND') throw new WitnessError('REVIEW_NOT_FOUND', message);
    if ((PASSED_ON as readonly string[]).includes(code)) throw new WitnessError(code as WitnessErrorCode, message);
    throw new WitnessError('REVIEWS_UNAVAILABLE', `The central server refused: ${code}: ${message}`);
  };
  return {
    reviews: async () => ReviewListSchema.parse(await call('/api/v1/reviews?state=pending')).items,
    // A reviewer may paste the very secret they refuse: masked before it reaches the server.
    reviewDecide: async ({ id, decision, argsHash, reason }) =>
      ReviewSchema.parse(
        await call(`/api/v1/reviews/${encodeURIComponent(id)}/decision`, {
          method: 'POST',
          body: JSON.stringify({ decision, argsHash, ...(reason == null ? {} : { reason: p.masker.mask(reason).text }) }),
        }),
      ),
  };
}
