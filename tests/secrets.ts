/** Secrets used by tests only: never the values of a real deployment. */
export const TEST_SECRETS = {
  ADMIN_TOKEN: "test-admin-token",
  CLIENT_IP_SALT: "test-client-ip-salt",
} as const;
