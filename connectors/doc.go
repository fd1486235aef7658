// Package connectors holds connkit manifests for real public APIs, one YAML
// file per provider (see README.md). It has no Go code: its test validates
// every manifest strictly and runs each one's token request, test call and
// an action through the runtime against a stand-in for the provider.
package connectors
