/**
 * RFC 3986 percent-encoding as Alibaba Cloud signs it: UTF-8 bytes, unreserved characters
 * (`A-Z a-z 0-9 - _ . ~`) kept, everything else `%XY` with uppercase hex, so a space is `%20` (never `+`)
 * and `*` is `%2A`.
 *
 * `encodeURIComponent` already keeps `~` and emits uppercase hex; it only leaves `! ' ( ) *` alone, which
 * RFC 3986 reserves, so those five are escaped afterwards. A lone UTF-16 surrogate cannot be encoded as
 * UTF-8 and throws `URIError` rather than being signed as something the server never receives.
 * @public
 */
export function percentEncode(value: string): string {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/**
 * `name=value` pairs joined by `&`, names and values {@link percentEncode}d and sorted by encoded name in
 * byte order; an empty value gives `name=`. This is the canonical query of both signature versions, and
 * also a correct wire encoding of the same parameters.
 * @public
 */
export function canonicalQueryString(params: Readonly<Record<string, string>>): string {
  return Object.entries(params)
    .map(([name, value]) => [percentEncode(name), percentEncode(value)] as const)
    // Encoded names are pure ASCII, so `<` compares them in byte order, unlike localeCompare.
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, value]) => `${name}=${value}`)
    .join('&');
}
