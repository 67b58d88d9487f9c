/**
 * The reserved prefix rule, shared by the Worker's config parsing and the Pulumi stack config:
 * one or more path segments of unreserved URL characters, starting with a slash, no trailing one.
 */

const RESERVED_PREFIX = /^\/[A-Za-z0-9._~-]+(\/[A-Za-z0-9._~-]+)*$/;

/** True when `prefix` can serve as the reserved prefix, e.g. `/_pathmeter`. */
export const isReservedPrefix = (prefix: string): boolean => RESERVED_PREFIX.test(prefix);
