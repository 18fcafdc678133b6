// Package credential owns what credmint can issue: the credential
// Configuration (OID4VCI 1.0 §12.2.4, Appendix B claims descriptions and
// Appendix C claims path pointers) and the registry of credential Formats.
//
// Formats are plugins. Each lives in a subpackage (sdjwt, later jwtvc and
// mdoc), implements Format and is registered under its format identifier; the
// protocol core looks a format up by the configuration and never switches on
// the format string itself.
package credential
