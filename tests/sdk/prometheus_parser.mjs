// npm's parse-prometheus-text-format, for the integration tests (tests/integration/metrics.test.mjs),
// which import it by this path: Node resolves the package from here, tests/sdk/node_modules.
export { default } from 'parse-prometheus-text-format';
