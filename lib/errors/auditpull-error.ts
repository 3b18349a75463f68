import { ERROR_TABLE, type ErrorFamily, type ErrorId } from './codes.ts';

/**
 * The one error class users meet: a stable numeric id from {@link ERROR_TABLE}, its family, and a
 * message that says what to do. `String(error)` is `[Family id] message`.
 * @public
 */
export class AuditpullError extends Error {
  override readonly name = 'AuditpullError';
  readonly id: ErrorId;
  readonly family: ErrorFamily;
  /** Lowest-level detail worth showing (vendor code, HTTP status); never a secret. */
  readonly detail: Readonly<Record<string, unknown>>;

  constructor(id: ErrorId, message: string, options: { cause?: unknown; detail?: Record<string, unknown> } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.id = id;
    this.family = ERROR_TABLE[id].family;
    this.detail = Object.freeze({ ...options.detail });
  }

  override toString(): string {
    return `[${this.family} ${this.id}] ${this.message}`;
  }
}

/**
 * Type guard by name, so it works across package copies.
 * @public
 */
export function isAuditpullError(value: unknown): value is AuditpullError {
  return value instanceof Error && value.name === 'AuditpullError' && typeof (value as { id?: unknown }).id === 'number';
}
