import { defineConfig } from 'vitest/config';
import { integrity_plugin } from './build/integrity_plugin';

export default defineConfig({
  base: '/',
  plugins: [integrity_plugin()],
  build: {
    target: 'es2022',
    outDir: 'dist',
    emptyOutDir: true,
    // Everything goes into files loaded with SRI: no inline assets, no
    // injected polyfill, no source maps shipped to users.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    cssCodeSplit: false,
    sourcemap: false,
    rollupOptions: { output: { inlineDynamicImports: true } },
  },
  test: {
    include: ['src/**/*.test.ts', 'build/**/*.test.ts', 'e2e/**/*.test.ts'],
    environment: 'node',
    testTimeout: 90_000,
    hookTimeout: 60_000,
  },
});
