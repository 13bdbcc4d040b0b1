"""Templates ``bridges new`` renders (string.Template, ``${name}`` placeholders): a bridge
package per transport, its configuration, tests and README."""
