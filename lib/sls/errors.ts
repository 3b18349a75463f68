/**
 * Which step of PullLogs body decoding failed: the LZ4 block, the deflate stream, the protobuf
 * `LogGroupList`, or the response headers: `x-log-bodyrawsize` not a byte count, above the cap or not
 * what the body decompresses to (and an `x-log-compresstype` this decoder does not know).
 * @public
 */
export type SlsDecodeErrorReason = 'lz4' | 'deflate' | 'protobuf' | 'size';

/**
 * A PullLogs body that cannot be decoded exactly. The whole pull is rejected rather than partly
 * decoded: a reader that skipped it would advance its cursor past log groups it never delivered.
 * @public
 */
export class SlsDecodeError extends Error {
  override readonly name = 'SlsDecodeError';
  readonly reason: SlsDecodeErrorReason;

  constructor(reason: SlsDecodeErrorReason, message: string, options: { cause?: unknown } = {}) {
    super(`SLS PullLogs body: ${message}`, options.cause === undefined ? undefined : { cause: options.cause });
    this.reason = reason;
  }
}

/**
 * Type guard by name, so it works across package copies.
 * @public
 */
export function isSlsDecodeError(value: unknown): value is SlsDecodeError {
  return value instanceof Error && value.name === 'SlsDecodeError' && typeof (value as { reason?: unknown }).reason === 'string';
}
