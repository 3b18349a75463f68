import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/**
 * Ends a request's connection with a TCP reset and no answer, as a crashing server or a middlebox does.
 * Shared by the simulators (sim-to-sim only: nothing here comes from lib/).
 */
export function resetConnection(req: IncomingMessage): void {
  req.socket.resetAndDestroy();
}

/**
 * Fresh page tokens that stand for another one (the `empty-page` faults): a vendor that answers an empty
 * page with a new token expects the client to follow it, and the next page is where the old token
 * pointed. Each alias is a new string, so a client cannot tell it from a real token.
 */
export class TokenAliases {
  readonly #aliases = new Map<string, string>();
  #next = 1;

  /** A new token standing for `token`. */
  create(token: string): string {
    const alias = Buffer.from(JSON.stringify({ alias: this.#next++, n: randomBytes(4).toString('hex') })).toString('base64url');
    this.#aliases.set(alias, this.resolve(token));
    return alias;
  }

  /** The real token an alias stands for; any other token as is. */
  resolve(token: string): string {
    return this.#aliases.get(token) ?? token;
  }
}
