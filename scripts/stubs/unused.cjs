// Stands in, inside the Slack Lambda bundle, for modules Bolt requires at load time but only
// uses for receivers Sticky does not run there (Express, Socket Mode, OAuth installs).
module.exports = new Proxy({}, { get: (_, key) => (key === '__esModule' ? false : undefined) });
