import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // The suites start their own redis-server and service processes; running them one file
    // at a time keeps timings honest on small CI machines.
    fileParallelism: false,
  },
});
