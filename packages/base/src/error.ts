/**
 * Every failure the kernel reports is a `MizanError`: the server's error
 * envelope (PROTOCOL.md §1.4) or one of the client-side codes below.
 *
 * Client-side codes (status 0 unless noted):
 * - `NETWORK_ERROR`: the request never got a response (or its socket closed
 *   before the reply);
 * - `ABORTED`: the caller's `AbortSignal` fired;
 * - `NOT_LIVE`: a channel on a client that is not live;
 * - `BAD_RESPONSE`: a response that is not the JSON the protocol promises
 *   (status is the HTTP status);
 * - `HTTP_ERROR`: a non-2xx response without an error envelope, e.g. from a
 *   proxy (status is the HTTP status).
 */
export class MizanError extends Error {
  override readonly name = 'MizanError';
  readonly status: number;
  readonly code: string;
  declare readonly details?: Record<string, unknown>;

  constructor(status: number, code: string, message: string, details?: Record<string, unknown>) {
    super(message);
    this.status = status;
    this.code = code;
    if (details) this.details = details;
  }

  /** `401` (no or bad identity) or `403` (missing role, CSRF failure). */
  isAuthError(): boolean {
    return this.status === 401 || this.status === 403;
  }

  isValidationError(): boolean {
    return this.code === 'VALIDATION_ERROR';
  }

  /** The messages the server gave for one input field (`details.fields[name]`). */
  fieldErrors(name: string): string[] {
    const fields = this.details?.['fields'];
    const list = isObject(fields) ? fields[name] : undefined;
    if (Array.isArray(list)) return list.map(String);
    return typeof list === 'string' ? [list] : [];
  }
}

/** Builds the error for a failed response from its (parsed) body. */
export function errorFromEnvelope(status: number, body: unknown): MizanError {
  const error = isObject(body) ? body['error'] : undefined;
  if (isObject(error) && typeof error['code'] === 'string') {
    const details = error['details'];
    return new MizanError(
      status,
      error['code'],
      typeof error['message'] === 'string' ? error['message'] : error['code'],
      isObject(details) ? details : undefined,
    );
  }
  return new MizanError(status, 'HTTP_ERROR', `Request failed with HTTP ${status}`);
}

/** PROTOCOL.md §1.4: each code's HTTP status (the project's extension `METHOD_NOT_ALLOWED` included). */
const STATUS_OF_CODE: Readonly<Record<string, number>> = {
  BAD_REQUEST: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  VALIDATION_ERROR: 422,
  INTERNAL_ERROR: 500,
  NOT_IMPLEMENTED: 501,
};

/**
 * The status an error code has over HTTP, for envelopes that arrive without
 * one (socket replies), so that `status` and `isAuthError()` read the same on
 * every transport. Unknown codes are 0.
 */
export function statusOfCode(code: unknown): number {
  return typeof code === 'string' ? (STATUS_OF_CODE[code] ?? 0) : 0;
}

/** Anything thrown at the kernel, as a `MizanError`. */
export function toMizanError(e: unknown): MizanError {
  if (e instanceof MizanError) return e;
  if (isObject(e) && e['name'] === 'AbortError') return new MizanError(0, 'ABORTED', 'Request aborted');
  return new MizanError(0, 'NETWORK_ERROR', e instanceof Error ? e.message : String(e));
}

/** Worth another try: the request did not get through or the server failed. */
export function isTransient(e: MizanError): boolean {
  return e.code === 'NETWORK_ERROR' || e.status >= 500;
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
