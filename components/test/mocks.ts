/**
 * The component tests' mock runtime: `@platform/components/testing` (components/testing) with fixed results,
 * so that assertions can spell generated names (`<name>-mock`), the password and the image digest.
 */
import { setMocks } from "../testing";

export { type Registered, byType, one, registered, resetRegistered, secretValue, settle, value } from "../testing";

export const MOCK_PASSWORD = "mock-password-0123456789abcdef";

export function setupMocks(): void {
  void setMocks({ nameSuffix: "mock", randomResult: MOCK_PASSWORD, imageDigest: "a".repeat(64) });
}
